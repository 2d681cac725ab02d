import { initTfjs } from '../src/runtime.js';
import { TextClassifier } from '../src/text-classifier.js';
import { syntheticExamples, SYNTHETIC_LABELS } from '../src/synthetic-text.test-helper.js';
await initTfjs({ backend: (process.argv[2] as 'cpu') ?? 'wasm' });
const train = syntheticExamples(400, 1), test = syntheticExamples(1000, 2);
function ece(preds: {score:number,label:string}[], gold: string[]) { const bins = Array.from({length:10},()=>({n:0,c:0,s:0})); preds.forEach((p,i)=>{const b=bins[Math.min(9,Math.floor(p.score*10))]!; b.n++; b.s+=p.score; b.c+= p.label===gold[i]?1:0;}); return bins.reduce((a,b)=>a+ (b.n? Math.abs(b.c-b.s):0),0)/preds.length; }
for (const lr of [0.02, 0.05, 0.1]) for (const calibrate of [false, true]) for (const dims of [1024, 2048]) {
  const clf = await TextClassifier.create({ labels: SYNTHETIC_LABELS, vectorizer: { dims }, learningRate: lr });
  const t0 = performance.now();
  const m = await clf.train(train, { epochs: 50, calibrate });
  const t1 = performance.now();
  const preds = await clf.predict(test.map((e) => e.text));
  const acc = preds.filter((p, i) => p.label === test[i]!.label).length / test.length;
  const meanScore = preds.reduce((a, p) => a + p.score, 0) / preds.length;
  console.log(`lr ${lr} cal ${calibrate} dims ${dims} train ${(t1-t0).toFixed(0)}ms ep ${m.epochs}/${m.bestEpoch} valAcc ${m.valAccuracy?.toFixed(3)} valLoss ${m.valLoss?.toFixed(3)} T ${m.temperature.toFixed(2)} acc ${acc.toFixed(3)} meanScore ${meanScore.toFixed(3)} ece ${ece(preds, test.map(e=>e.label)).toFixed(3)}`);
  clf.dispose();
}
