import { openProject } from '/work/main/server/src/service/project';
(async () => {
  const p = await openProject(process.argv[2]);
  for (const a of p.apps) { console.log(a.id, a.fact.sources.map(s => s.kind + ':' + s.settings.map(x => x.written + '=' + JSON.stringify(x.value).slice(0, 150)).join(';')).join('\n  ')); console.log(JSON.stringify(a.config).slice(0, 600), a.unknowns); }
  console.log(p.tasks.map(t => t.name + ' ' + JSON.stringify(t.options).slice(0,200)));
})();
