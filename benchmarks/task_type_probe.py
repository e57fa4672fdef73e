"""Task-type probe: does a router send the task types a strong model wins on above those it doesn't?

176 prompts written for this probe (2026-12-07), never used for training: realistic chat messages in
8 task types of 22 each. HIGH types, where a strong model clearly beats a cheap one: math (short word
problems), logic (puzzles and syllogisms), code (write, fix or explain code, SQL, regex) and
extraction (pull structured data out of a short text given inline). LOW types, where a cheap model
is about as good: writing (poems, stories, slogans), roleplay (stay in character), humanities (open
chat on history, philosophy, literature, art) and greeting (greetings, thanks, small talk). Prints,
for each router, the ROC AUC of its scores with HIGH prompts positive and LOW negative (0.5 is a
coin, 1.0 ranks every HIGH prompt above every LOW one), the AUC of each HIGH type against all LOW
prompts, the mean percentile of each type's scores among all probe prompts (50 is the middle) and,
at the router's default threshold (strong_fraction 0.5 of its calibration prompts), the share of
each type sent to the strong model. ``--json PATH`` also writes those figures.

    .venv/bin/python benchmarks/task_type_probe.py [--routers default mf] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

PROMPTS: dict[str, list[str]] = {
    "math": [
        "My sister is three times as old as me, and in 8 years she'll only be twice my age. How old am I now?",
        "A jacket was marked down 25%, then I got another 10% off at the till. What's the total discount off the original price?",
        "If 4 printers can print 600 pages in 5 minutes, how long would 6 printers take to print 1,350 pages?",
        "how many different ways can i arrange the letters of the word BANANA",
        "I drove 150 km at 75 km/h and then another 150 km at 50 km/h. What was my average speed for the whole drive?",
        "Our team has 7 people and we need a 3-person committee where one of the three is the chair. How many different committees are possible?",
        "A recipe needs 2/3 of a cup of sugar for 12 cookies. I want to bake 30 — how much sugar do I need?",
        "A stock went up 20% on Monday and down 20% on Tuesday. Am I up or down overall, and by how much in percent?",
        "If I put $2,000 into a savings account at 4% interest compounded yearly, how much is in it after 3 years?",
        "Two trains start 420 km apart and head toward each other at 80 km/h and 60 km/h. After how long do they meet, and how far has the faster one gone?",
        "What's the probability of getting at least one six when you roll a fair die four times?",
        "A rectangle is 5 cm longer than it is wide and has an area of 84 cm². What's its perimeter?",
        "Tom reads 18 pages a day and is on page 112 of a 400-page book. How many more days until he finishes?",
        "How many whole numbers from 1 to 500 are divisible by 3 or by 7?",
        "Our water tank loses 2% of whatever is in it every hour. Roughly how many hours until it's down to half?",
        "Five of us are splitting a $187.50 dinner bill plus an 18% tip evenly. How much does each person pay?",
        "The average of five numbers is 14. Take one away and the average of the rest is 12. Which number was removed?",
        "She earns $22 an hour, and time and a half for every hour over 40 in a week. What's her pay for a 47-hour week?",
        "if 12 people at a party each shake hands with everybody else exactly once, how many handshakes is that",
        "I have 40 litres of a drink that's 15% juice. How much pure juice do I add to get it to 25% juice?",
        "Three consecutive even numbers add up to 138. What's the biggest of them?",
        "I owe $900 and pay back $65 a month, first payment today. After how many payments will I owe less than $100?",
    ],
    "logic": [
        "Knights always tell the truth and knaves always lie. A says 'B is a knave.' B says 'A and I are the same kind.' What are A and B?",
        "Alice, Ben, Cara and Dev ran a race. Ben beat Cara, Cara beat Dev, Dev wasn't first, and Alice finished right after Ben. What was the finishing order?",
        "All bloops are razzies and some razzies are lazzies. Does it follow that some bloops are lazzies? Explain why or why not.",
        "Six people sit evenly around a round table. Priya is directly opposite Sam, Leo is on Sam's immediate left, and Mia is not next to Priya. Which seats could Mia be in?",
        "Three jars are labelled 'red marbles', 'blue marbles' and 'mixed', and every label is wrong. You may draw one marble from one jar without looking inside. Which jar do you pick, and how do you fix all the labels?",
        "If it rains, the match is cancelled. The match was not cancelled. What can we say about the weather? And what if the match had been cancelled instead?",
        "On the island of knights and knaves, A says: 'At least one of us two is a knave.' What are A and B?",
        "Five houses in a row are painted different colours. Green is immediately left of white, red is in the middle, and blue is at one end right next to yellow. List every possible order.",
        "My friend claims 'every time I wash my car it rains the next day'. It rained today. Can we conclude she washed her car yesterday? What's this mistake called?",
        "Four suspects, and exactly one of them is lying. Amy: 'Bo did it.' Bo: 'Dee did it.' Cy: 'I didn't do it.' Dee: 'Bo is lying.' Who did it?",
        "Is this argument valid? 'No cats are dogs. Some pets are cats. So some pets are not dogs.'",
        "In a round-robin with 6 teams every team plays every other once and there are no draws. Could all six teams end up with the same number of wins? Why?",
        "Kate is taller than Liam but shorter than Maya. Nina is shorter than Liam, and Olly is taller than Maya. Who's the second shortest?",
        "Xavi, Yan and Zoe each ordered a different drink: tea, coffee or juice. Zoe didn't get coffee, and Yan got neither juice nor coffee. Who had what?",
        "A native of the knights-and-knaves island says: 'If I am a knight, then there is gold on this island.' Can you tell whether there's gold?",
        "Yesterday was not Wednesday, and the day after tomorrow is a weekend day. What day is it today?",
        "Exactly two of these are true: (1) the key is in the drawer, (2) the key is not in the car, (3) the key is in the car. Where is the key?",
        "Some engineers are musicians and all musicians are night owls. Which of these must be true: (a) some engineers are night owls, (b) all night owls are musicians, (c) some night owls are engineers?",
        "I'm thinking of a two-digit number. It's a perfect square, it's odd, and its digits add up to 9. What is it?",
        "riddle for you: a farmer has to get a fox, a hen and a sack of grain over a river in a boat that holds him plus one thing. fox eats hen, hen eats grain if left alone. whats the fewest crossings?",
        "Three boxes: one holds a prize. Box 1 says 'The prize is not here', box 2 says 'The prize is in box 1', box 3 says 'The prize is not in box 2'. Exactly one label is true. Where's the prize?",
        "Every student who passed the exam studied on Sunday. Rosa didn't study on Sunday. Lena studied on Sunday. What can you conclude about Rosa and about Lena?",
    ],
    "code": [
        "Write a Python function that merges overlapping intervals, e.g. [[1,3],[2,6],[8,10]] -> [[1,6],[8,10]].",
        "Why does this give 'list index out of range'?\n\nfor i in range(len(nums)):\n    if nums[i] == nums[i+1]:\n        count += 1",
        "I need a regex that matches UK postcodes like SW1A 1AA or M1 1AE. Can you write one and explain the parts?",
        "SQL question: tables orders(id, customer_id, total, created_at) and customers(id, name, country). How do I get the top 5 countries by revenue in 2024?",
        "Can you explain what this does before I run it? find . -name '*.log' -mtime +7 -exec rm {} \\;",
        "write a debounce function in javascript and show how to use it on a search input",
        "My recursive fibonacci in Python takes forever for n=40. How do I make it fast?",
        "Implement an LRU cache class in Java with O(1) get and put.",
        "What's the difference between == and === in JavaScript? Give me a few cases where they disagree.",
        "fix my code pls\n\ndef avg(xs):\n    return sum(xs) / len(xs)\n\nprint(avg([]))  # crashes",
        "Write a Go function that checks whether a bracket string like \"([]{})\" is balanced.",
        "How do I load a CSV with pandas, drop the rows where 'email' is empty, and write it back out?",
        "Give me a C function that reverses a singly linked list in place.",
        "Our users table has duplicate emails. In Postgres, how do I delete the duplicates and keep only the row with the smallest id for each email?",
        "Explain why binary search is O(log n) and write an iterative version in Python that returns the insertion point when the item is missing.",
        "In React I call setCount(count + 1) twice in the same click handler but the counter only goes up by one. Why, and how should I write it?",
        "Write a regex that validates dates in YYYY-MM-DD format and rejects month 13 or day 32.",
        "Turn this into a list comprehension:\n\nresult = []\nfor w in words:\n    if len(w) > 3:\n        result.append(w.upper())",
        "Implement a topological sort for a dependency graph given as a dict of lists, and raise an error if there's a cycle.",
        "what does git rebase -i HEAD~3 actually do, and how do I squash my last three commits into one",
        "Write a Rust function that counts word frequencies in a string and returns the three most common words.",
        "Every time I change any source file my Docker build reinstalls all the npm packages. How should I order the Dockerfile so the layer cache works?",
    ],
    "extraction": [
        "Extract all dates and amounts from this email as JSON:\n\nHi Sarah, just confirming we received the $450 deposit on March 3rd. The remaining balance of $1,350 is due by April 15, 2025, and any payment after April 30 incurs a $75 late fee.",
        "From this text, list every person mentioned with their job title: \"At Tuesday's meeting CFO Daniela Ruiz presented the budget, while Marcus Lee (head of engineering) raised concerns. Our intern Priya Shah took notes, and the new COO, Tom Becker, closed the session.\"",
        "Pull the order number, and each item's name, quantity and unit price out of this receipt into a table: Order #A-55821 — 2x Wireless Mouse M330 @ $24.99, 1x USB-C Hub 7-in-1 @ $39.50, shipping $5.00.",
        "Can you split this address into street, city, postcode and country? 'Send it to Flat 4B, 22 Rosemount Road, Edinburgh EH3 7QP, Scotland, UK please'",
        "Give me the flight details as JSON (airline, flight number, from, to, departure and arrival times):\nYour booking is confirmed. Lufthansa LH 1423 departs Munich (MUC) on 12 Aug at 07:40 and lands in Bucharest (OTP) at 10:55 local time. Seat 14C.",
        "Here's a job ad. Split it into required skills and nice-to-haves, two lists please.\n\n'We're hiring a backend developer. You must know Python and PostgreSQL and have 3+ years building REST APIs. Kafka experience is a plus and Terraform would be nice. Docker is mandatory.'",
        "Find all the email addresses and phone numbers in this signature: 'Best, Jonas Weber | Sales Lead | jonas.weber@kleinfeld.de | +49 30 5557 2210 | Support: help@kleinfeld.de, 0800 123 4567'",
        "Put the medication names, doses and frequencies from this note into JSON: Patient to continue metformin 500 mg twice daily, start lisinopril 10 mg once daily in the morning, and may take ibuprofen 400 mg as needed, up to 3 times a day.",
        "Extract each event with its date and place:\n'The book tour kicks off in Portland on Oct 2, moves to Seattle on Oct 5-6, has a virtual reading on Oct 10, and ends at the Chicago Public Library on the 14th.'",
        "list every number in this paragraph and what it refers to: 'The town has 12,400 residents, 3 primary schools and one hospital with 85 beds. Its budget rose 6% to €14.2 million last year.'",
        "Parse this log line into timestamp, level, service and message as JSON: 2025-01-19T14:22:07Z ERROR payment-svc Timeout after 30000ms calling /v2/charge (retry 3/3)",
        "From this review, pull out the product, the rating if there is one, the complaints and the praise:\n'Bought the mesh office chair last month. Honestly 3/5. Lumbar support is great and assembly took 10 minutes, but the armrests wobble and one wheel already squeaks.'",
        "Which companies and amounts are in this news snippet? Answer as a list of {company, amount, context}.\n'Nordvik Energy agreed to buy SolTrace for $2.1 billion, weeks after SolTrace raised $300 million from Halden Capital.'",
        "grab the meeting time, attendees and agenda items from this: 'Hey all — the sync moved to Thursday 3pm CET. It'll be Ana, Karim, Li and me. We'll cover the Q3 roadmap, the hiring freeze, and who owns the vendor audit.'",
        "Turn this ingredient list into a JSON array with name, quantity and unit: 'You'll need 2 cups flour, a pinch of salt, 3 eggs, 250 ml milk and 1 tbsp melted butter.'",
        "Read this clause and tell me the parties, the term, the notice period and the early-termination penalty:\n'This Agreement between Brightline Ltd. (\"Supplier\") and Okafor Retail (\"Client\") shall remain in force for 24 months. Either party may terminate with 60 days' written notice; early termination by the Client incurs a fee equal to two months of service charges.'",
        "Here's a bank alert. Give me the merchant, amount, currency, date, time and the card's last 4 digits.\n'Card ending 4471 was charged GBP 63.20 at TESCO STORES 2231 on 08/11/2025 at 18:42.'",
        "Extract every citation as (authors, year) from this: 'Earlier work (Nguyen & Patel, 2019; Okoro, 2021) found small effects, whereas Lindqvist et al. (2023) reported the opposite, a result later questioned by Baptiste (2024).'",
        "Pull the key stats from this match report into a table: 'City won 3-1 at home. Possession was 61% to 39% and shots 17 to 8; Alvarez scored twice and Moreau got the visitors' consolation in the 78th minute.'",
        "Give me sender, recipient, subject and any deadlines from this email as JSON:\nFrom: m.ito@harbourlabs.io\nTo: procurement@vesta.com\nSubject: Revised quote\nPlease confirm the revised quote by Friday 21 Nov; prices are held until 30 Nov.",
        "What's the carrier, tracking number and delivery window in this text? 'Good news! Your parcel is on its way with DPD, tracking 15503728841920, estimated delivery Tue 9 Dec between 10:00 and 12:00.'",
        "extract each skill and its years of experience from this CV line as key-value pairs: '6 yrs Java, ~2 years Kotlin, some React (1 yr), and a decade of project management'",
    ],
    "writing": [
        "Write a short poem about the smell of rain on hot pavement.",
        "Can you come up with a catchy slogan for my little bakery? It's called Crumb & Co.",
        "Write the opening paragraph of a blog post about why I took up running at 40.",
        "a haiku about my cat ignoring me please",
        "Write a bedtime story for a 5-year-old about a turtle who wants to fly.",
        "I need a warm, funny toast for my brother's wedding, about two minutes long. He loves fishing and terrible puns.",
        "Write a limerick about a programmer who forgot to save their work.",
        "Could you write a short, cozy story set in a lighthouse during a winter storm?",
        "Give me five taglines for an eco-friendly water bottle brand.",
        "Write a heartfelt thank-you note to my son's kindergarten teacher for the end of the year.",
        "write me a sonnet about missing summer",
        "I need an Instagram caption for a photo of me hiking at sunrise. Something short and not too cringe.",
        "Write a spooky two-sentence horror story.",
        "Draft a friendly intro for the first issue of my newsletter about houseplants!",
        "Write song lyrics, a verse and a chorus, about a road trip with old friends.",
        "Could you write a short fable with a moral about patience?",
        "Write a product description for handmade lavender soap that sounds luxurious but not over the top.",
        "I want a short poem for my mum's 60th birthday card — sweet but not cheesy.",
        "Write a piece of flash fiction under 200 words that starts with 'The elevator stopped between floors.'",
        "Brainstorm some fun names for our pub quiz team.",
        "Write a motivational paragraph for the first page of our gym's welcome booklet.",
        "Write a playful little story about a sock that escapes from the laundry.",
    ],
    "roleplay": [
        "Pretend you're a pirate captain and tell me about your latest voyage. Stay in character!",
        "Let's roleplay: you're a barista at a busy coffee shop and I'm a customer who can't make up my mind.",
        "Be Sherlock Holmes and deduce something about me from the fact that I'm typing this at 2am.",
        "You're a medieval innkeeper. I've just walked in soaked from the rain. Greet me.",
        "Act as my grumpy old neighbour who complains about everything. I'm knocking on your door to borrow some sugar.",
        "Pretend to be a tour guide in ancient Rome showing me around the Forum.",
        "can you be a friendly dragon who guards a library? i'm a kid asking to borrow a book",
        "Roleplay as a space station AI that is a little too cheerful about an oxygen leak.",
        "You're a 1920s jazz singer being interviewed backstage and I'm the reporter. First question: how did you get started?",
        "Stay in character as a wise old wizard and give me advice before my first quest.",
        "Pretend you're my cat and explain why you knocked the glass off the table.",
        "Be a fortune teller at a carnival and read my fortune. Make it dramatic.",
        "Act like a sports commentator narrating me trying to parallel park.",
        "let's play: you run a potion shop in a fantasy RPG town and I walk in with 30 gold",
        "Pretend you're Shakespeare seeing a smartphone for the first time.",
        "You're a detective in a noir film and I'm the mysterious client walking into your office. Go.",
        "Roleplay as a super enthusiastic personal trainer on my first day at the gym.",
        "Be a lonely ghost haunting a Victorian mansion who just wants someone to talk to.",
        "Pretend you're an alien visiting Earth who is baffled by the idea of weekends.",
        "Act as the cook on an 1800s whaling ship and tell the crew what's for dinner tonight.",
        "You're a retired superhero who now runs a small flower shop, and I'm a customer who just recognised you.",
        "Stay in character as a snobby food critic tasting my homemade lasagna.",
    ],
    "humanities": [
        "What do you think was the biggest reason the Western Roman Empire fell?",
        "Is Gatsby a tragic hero or just a self-deluded man? I'd love your take.",
        "Why do so many people still find Stoicism appealing today?",
        "What makes Van Gogh's Starry Night so iconic compared to his other paintings?",
        "Do you think Hamlet is actually mad or just pretending?",
        "How did the printing press change European society?",
        "I've been reading Camus. Is the absurd hero really happy, the way he says Sisyphus is?",
        "Should museums return artifacts that were taken during colonial times? What's your view?",
        "Tell me about the Silk Road and why it mattered so much.",
        "Which novel do you think best captures what it feels like to grow up?",
        "Was the Renaissance really a sharp break from the Middle Ages, or more of a gradual shift?",
        "What's the difference between impressionism and expressionism in painting, in simple terms?",
        "Is Orwell's 1984 still relevant or has it turned into a cliché?",
        "What do you think Socrates meant by 'the unexamined life is not worth living'?",
        "how did jazz influence other kinds of music in the 20th century?",
        "Why is Frida Kahlo such a powerful figure in art history?",
        "Let's chat about the Meiji Restoration — how did Japan modernise so quickly?",
        "Does poetry still matter in modern culture? It feels like nobody reads it any more.",
        "What are the main ideas behind utilitarianism, and what do its critics say?",
        "Which ancient civilisation do you find most fascinating, and why?",
        "Tolstoy or Dostoevsky? I'm trying to decide which one to read first.",
        "What did the Bauhaus get right about design?",
    ],
    "greeting": [
        "hey!",
        "Good evening, how are you today?",
        "thanks a lot, that really helped",
        "hiya, what's up",
        "Just wanted to say you're awesome 😊",
        "Morning! Ready for another Monday?",
        "lol ok",
        "Nice to meet you, I'm Jordan.",
        "How's your day been so far?",
        "Cheers mate, appreciate it",
        "yo",
        "Happy Friday!!",
        "Ugh, long day. I just want to chat for a bit.",
        "bye, talk later",
        "Thank you, have a great weekend!",
        "Hello again, it's me from yesterday",
        "what are you up to?",
        "sorry for the late reply, been busy",
        "Good night!",
        "it's so cold today, brr",
        "hehe you're funny",
        "Hi! Just checking in, hope all is well.",
    ],
}
HIGH = ("math", "logic", "code", "extraction")
LOW = ("writing", "roleplay", "humanities", "greeting")


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, tied values sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    sx = x[order]
    starts = np.flatnonzero(np.r_[True, sx[1:] != sx[:-1]])
    ends = np.r_[starts[1:], len(sx)]
    avg = (starts + ends + 1) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    out = np.empty(len(x), dtype=np.float64)
    out[order] = np.repeat(avg, ends - starts)
    return out


def auc(neg: np.ndarray, pos: np.ndarray) -> float:
    """P(a random positive prompt scores above a random negative one), ties counting one half
    (Mann-Whitney U from the ranks of the pooled scores)."""
    r = ranks(np.concatenate([pos, neg]))
    n_pos, n_neg = len(pos), len(neg)
    return float((r[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def probe(router) -> dict:
    """The probe's figures for one loaded router."""
    types = [*HIGH, *LOW]
    scores = np.asarray(router.score([p for t in types for p in PROMPTS[t]]), dtype=np.float64)
    bounds = np.cumsum([0] + [len(PROMPTS[t]) for t in types])
    by_type = {t: scores[a:b] for t, a, b in zip(types, bounds[:-1], bounds[1:])}
    pct = 100.0 * (ranks(scores) - 0.5) / len(scores)  # percentile among all probe prompts
    pct_by_type = {t: pct[a:b] for t, a, b in zip(types, bounds[:-1], bounds[1:])}
    low = np.concatenate([by_type[t] for t in LOW])
    high = np.concatenate([by_type[t] for t in HIGH])
    t_default = float(router.default_threshold())
    return {
        "threshold": t_default,
        "auc_high_vs_low": auc(low, high),
        "types": {
            t: {
                "group": "high" if t in HIGH else "low",
                "n": int(len(by_type[t])),
                "auc_vs_low": auc(low, by_type[t]) if t in HIGH else None,
                "mean_percentile": float(pct_by_type[t].mean()),
                "to_strong": float(np.mean(by_type[t] >= t_default)),
            }
            for t in types
        },
    }


def main() -> None:
    from routellm_core import load_router

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--routers", nargs="+", default=["default", "mf"])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    results = {}
    for name in args.routers:
        res = results[name] = probe(load_router(name))
        auc_all, thr = res["auc_high_vs_low"], res["threshold"]
        print(f"router {name}: AUC HIGH over LOW {auc_all:.3f} (threshold {thr:.3f})")
        print(f"  {'type':<11} {'group':<5} {'AUC vs LOW':>10} {'mean pct':>9} {'->strong':>9}")
        for t, r in res["types"].items():
            a = f"{r['auc_vs_low']:.3f}" if r["auc_vs_low"] is not None else "-"
            print(f"  {t:<11} {r['group']:<5} {a:>10} {r['mean_percentile']:9.1f} {r['to_strong']:9.0%}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
