"""The Python example model of Label Studio's ML backend SDK (sklearn_text_classifier): TF-IDF 1–3-grams +
LogisticRegression(C=10), fitted on the split bench/text-classifier.mjs exported. Prints one JSON line:
{"accuracy": ..., "fit_ms": ..., "train": n, "test": n}. Needs Debian's python3-sklearn.

Usage: /usr/bin/python3 bench/sklearn-text-classifier.py split.json [--repeat N]
With --repeat N the model is fitted N times and fit_ms is the median (accuracy of the last fit).
"""
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

with open(sys.argv[1], encoding="utf-8") as f:
    split = json.load(f)
train_x = [e["text"] for e in split["train"]]
train_y = [e["label"] for e in split["train"]]
test_x = [e["text"] for e in split["test"]]
test_y = [e["label"] for e in split["test"]]

# The SDK example's pipeline (label_studio_ml/examples/sklearn_text_classifier/model.py).
repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
times = []
for _ in range(repeat):
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 3)), LogisticRegression(C=10, verbose=False))
    started = time.perf_counter()
    model.fit(train_x, train_y)
    times.append((time.perf_counter() - started) * 1000)
fit_ms = sorted(times)[len(times) // 2]
predicted = model.predict(test_x)
accuracy = sum(1 for p, y in zip(predicted, test_y) if p == y) / len(test_y)
print(json.dumps({"accuracy": accuracy, "fit_ms": round(fit_ms, 1), "train": len(train_x), "test": len(test_x)}))
