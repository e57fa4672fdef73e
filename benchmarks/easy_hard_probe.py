"""Easy/hard probe: does a router rank obviously hard prompts above obviously easy ones?

80 prompts written for this probe (2026-11-30), never used for training: 40 easy (greetings, thanks,
translations, one-line facts, trivial arithmetic) and 40 hard (proofs, derivations, concurrent or
algorithmic code, system design, multi-step word problems). Prints, for each router, the ROC AUC of
its scores (hard = positive; 0.5 is a coin, 1.0 ranks every hard prompt above every easy one) and,
at the router's default threshold (strong_fraction 0.5 of its calibration prompts), the share of easy
prompts sent to weak and of hard prompts sent to strong.

Caution: the pooled_ridge recipe was chosen partly with this probe in view, so its figure here is
optimistic; the held-out figures in docs/benchmarks.md are the ones to trust.

    .venv/bin/python benchmarks/easy_hard_probe.py [--routers default mf]
"""

from __future__ import annotations

import argparse

import numpy as np

EASY = [
    "hi",
    "hello!",
    "Hey there, how's it going?",
    "good morning :)",
    "thanks, that's all",
    "Thank you so much!",
    "What is the capital of Japan?",
    "Who wrote Hamlet?",
    "How many days are in a week?",
    "What color is the sky?",
    "Translate 'thank you' into French.",
    "How do you say 'cat' in German?",
    "Translate 'I love you' to Italian.",
    "What's 7 + 5?",
    "What is the boiling point of water in Celsius?",
    "Who was the first president of the United States?",
    "Spell the word 'necessary'.",
    "What's the opposite of 'hot'?",
    "Give me a synonym for 'happy'.",
    "Is a tomato a fruit?",
    "What year did World War II end?",
    "What is the largest planet in our solar system?",
    "How many legs does a spider have?",
    "Tell me a joke.",
    "What's the plural of 'mouse'?",
    "Name three primary colors.",
    "What does CPU stand for?",
    "Convert 10 kilometers to meters.",
    "What is the chemical symbol for gold?",
    "Say hi to my friend Anna.",
    "What day comes after Monday?",
    "Recommend a good name for a pet goldfish.",
    "What is the freezing point of water in Fahrenheit?",
    "How are you?",
    "ok cool",
    "Can you say 'good night' in Spanish?",
    "Who painted the Mona Lisa?",
    "What's the square root of 81?",
    "Write the word 'apple' in capital letters.",
    "What is the currency of the UK?",
]
HARD = [
    "Prove that there are infinitely many primes of the form 4k+3.",
    "Derive the closed-form solution of ordinary least squares and show when X^T X is invertible.",
    "Implement a lock-free multi-producer multi-consumer queue in C++ using atomics, and explain how you avoid the ABA problem.",
    "A tank is filled by pipe A in 6 hours and by pipe B in 9 hours, while pipe C drains it in 12 hours. If all three are opened at 8am with the tank one third full, at what time is it full?",
    "Prove that the square root of 2 is irrational.",
    "Write a Python function that finds the longest palindromic substring in O(n) time using Manacher's algorithm, with tests.",
    "Explain the proof of the Cauchy-Schwarz inequality for inner product spaces and give two applications.",
    "Design a distributed rate limiter for a multi-region API gateway; discuss consistency, clock skew and failure modes.",
    "Derive the Black-Scholes partial differential equation from a delta-hedged portfolio.",
    "Write a concurrent web crawler in Go with a bounded worker pool, politeness delays per host and graceful cancellation.",
    "Solve the recurrence T(n) = 2T(n/2) + n log n and prove your bound.",
    "Show that every finite group of prime order is cyclic.",
    "A store sells pens at 3 for $4 and notebooks at 5 for $12. Maria buys twice as many pens as notebooks and spends $52 in total. How many of each did she buy? Show your steps.",
    "Implement Dijkstra's algorithm with a binary heap in Rust and analyse its complexity.",
    "Compute the eigenvalues and eigenvectors of the matrix [[2, 1], [1, 2]] and diagonalize it.",
    "Explain how the Raft consensus algorithm handles leader election and log replication, including edge cases with network partitions.",
    "Prove by induction that the sum of the first n odd numbers is n^2.",
    "Write a SQL query that returns, for each customer, their three most recent orders and the running total of order amounts, using window functions.",
    "Derive the backpropagation equations for a two-layer neural network with softmax output and cross-entropy loss.",
    "Evaluate the integral of x^2 * e^(-x) from 0 to infinity and justify each step.",
    "Find all real solutions of x^4 - 5x^2 + 4 = 0 and explain your method.",
    "Write a thread-safe singleton in Java and explain why double-checked locking needs volatile.",
    "A car travels from A to B at 60 km/h and returns at 40 km/h. The whole trip takes 5 hours. How far apart are A and B, and what is the average speed?",
    "Explain the difference between P, NP, NP-complete and NP-hard, and sketch a reduction from 3-SAT to vertex cover.",
    "Implement a red-black tree insertion in C with all rotation cases and explain each case.",
    "Prove that the halting problem is undecidable.",
    "Derive the formula for the variance of the sum of two correlated random variables and apply it to portfolio risk.",
    "Write an async Python service that consumes messages from a queue, retries with exponential backoff, and guarantees at-least-once processing.",
    "Using Lagrange multipliers, find the maximum of f(x, y) = xy subject to x^2 + 4y^2 = 8.",
    "Debug this code: my React component re-renders infinitely when I call setState inside useEffect without a dependency array. Explain why and fix it.",
    "Three workers can finish a job in 10, 15 and 30 days respectively. They start together but the first leaves after 2 days and the second 3 days before the end. How long does the job take?",
    "Explain Gödel's first incompleteness theorem and outline the diagonal argument behind it.",
    "Write a parser for arithmetic expressions with precedence and parentheses using recursive descent in TypeScript.",
    "Prove that a continuous function on a closed bounded interval attains its maximum.",
    "Design a database schema for a multi-tenant SaaS billing system with invoices, usage-based pricing and proration; justify your indexes.",
    "Compute the probability that in a group of 30 people at least two share a birthday, and derive the general formula.",
    "Implement k-means clustering from scratch in NumPy with k-means++ initialisation and explain convergence.",
    "Analyse the time and space complexity of quicksort in the worst, best and average case with proofs.",
    "Explain how a transformer's self-attention works mathematically and derive its computational complexity in sequence length.",
    "Find the general solution of the differential equation y'' + 4y' + 4y = e^(-2x).",
]


def auc(easy: np.ndarray, hard: np.ndarray) -> float:
    """P(a random hard prompt scores above a random easy one), ties counting one half."""
    diff = hard[:, None] - easy[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def main() -> None:
    from routellm_core import load_router

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--routers", nargs="+", default=["default", "mf"])
    args = parser.parse_args()
    print(f"{'router':<14} {'AUC':>6} {'easy->weak':>11} {'hard->strong':>13}")
    for name in args.routers:
        router = load_router(name)
        easy, hard = np.asarray(router.score(EASY)), np.asarray(router.score(HARD))
        t = router.default_threshold()
        print(f"{name:<14} {auc(easy, hard):6.3f} {np.mean(easy < t):11.0%} {np.mean(hard >= t):13.0%}")


if __name__ == "__main__":
    main()
