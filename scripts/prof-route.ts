import { pythonParser } from '../server/src/parse/python';
import { Project } from '../server/src/service/project';
(async () => {
  const p = new Project(process.argv[2], await pythonParser());
  p.scan();
  const tasks = p.tasks;
  let t = performance.now();
  for (let k = 0; k < 3; k++) for (const x of tasks) p.route({ task: x.name });
  console.log('route x3', tasks.length, (performance.now() - t).toFixed(1));
})();
