/** Passwords in URLs (`scheme://user:password@host`) never reach a hover, a message or a log line. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]*:)[^\s@/'"`]+@/gi;

export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@');
}
