import { openProject } from '/work/main/server/src/service/project';
(async () => {
  const p = await openProject(process.argv[2]);
  console.log([...p.ws.modules.keys()]);
  for (const m of p.ws.modules.keys()) { const r = p.ws.eval.module(m)!; console.log(m, [...r.env.entries()].map(([k,v])=>k+':'+v.kind+(v.kind==='unknown'?'('+v.reason+')':'')).join(' ')); }
})();
