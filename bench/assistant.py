"""The assistant's matching: N answers (the demo's eighty-one, and more made from their sentences
recombined, as a large city's table would hold), the index built, then the test suite's
paraphrased questions asked again and again, timed one by one.

    .venv/bin/python -m bench.assistant --n 2000
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from bench.common import print_result, save_result
from service.assistant.demo_answers import ANSWERS
from service.assistant.matching import Document, Index, decide
from service.assistant.seeding import DEMO_SYNONYMS
from tests.assistant.test_answering import PARAPHRASES


def _documents(n: int) -> list[Document]:
    """The demo's answers first (ids 0–80), then answers made of their questions' and texts'
    pieces, shuffled: words the index must weigh, none of them the right answer."""
    documents = [
        Document(i, (question, *phrasings), text)
        for i, (_, _, question, phrasings, text, _, _) in enumerate(ANSWERS)
    ]
    pieces = [piece for _, _, q, p, t, _, _ in ANSWERS for piece in (q, *p, *t.split("。"))]
    generator = random.Random(7)
    while len(documents) < n:
        chosen = generator.sample(pieces, 4)
        documents.append(Document(len(documents), (chosen[0], chosen[1]), "。".join(chosen[2:])))
    return documents


def run(n: int, rounds: int = 20) -> dict[str, object]:
    documents = _documents(n)
    started = time.perf_counter()
    index = Index(documents, DEMO_SYNONYMS)
    build = time.perf_counter() - started
    codes = {i: code for i, (code, *_) in enumerate(ANSWERS)}
    times = []
    found = 0
    for _ in range(rounds):
        for question, wanted in PARAPHRASES:
            started = time.perf_counter()
            match = decide(index.search(question))
            times.append(time.perf_counter() - started)
            right = {wanted} if isinstance(wanted, str) else set(wanted)
            found += bool(right & {codes.get(i) for i in match.ids})
    times.sort()
    return {
        "answers": n,
        "build_s": round(build, 2),
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        "questions": len(times),
        "right_answer_offered": round(found / len(times), 3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    arguments = parser.parse_args()
    result = run(arguments.n)
    save_result("assistant", result)
    print_result(result)


if __name__ == "__main__":
    main()
