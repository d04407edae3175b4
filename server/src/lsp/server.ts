/** The language server (being written). */
export function startServer(): void {
  throw new Error('the language server is not available in this build');
}
