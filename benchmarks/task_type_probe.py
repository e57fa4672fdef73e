"""Task-type probe: does a router send the task types a strong model wins on above those it doesn't?

544 prompts written for this probe, never used for training: realistic chat messages in 8 task
types (44 a type in the first two halves, 24 in the third set). HIGH types, where a strong model clearly beats a cheap one: math (word problems
and sums), logic (puzzles and syllogisms), code (write, fix or explain code, SQL, regex) and
extraction (pull structured data out of a text given inline). LOW types, where a cheap model is
about as good: writing (poems, stories, letters), roleplay (stay in character), humanities (open
chat on history, philosophy, literature, art) and greeting (greetings, thanks, small talk).

The first half (``PROMPTS``, 2026-12-07) has long HIGH prompts and short LOW ones, so a prompt's
length alone ranks it (AUC 0.935); the second half (``LENGTH_PROMPTS``, 2026-12-08) has short HIGH
prompts and long LOW ones. Prints, for each router and for the length baseline (and each
``--peer``, scores of ``benchmarks/peer_scores.py``): the ROC AUC of its scores with HIGH prompts
positive and LOW negative (0.5 is a coin, 1.0 ranks every HIGH prompt above every LOW one) on the
first half (the figure issue 19 first set), on all prompts, and over the pairs of about the same
length (``matched_auc``: what the router knows beyond length), and on a third set whose every type
spans the same lengths (``SEALED_PROMPTS``, 192 prompts: the headline); per HIGH type its AUC
against the LOW prompts (first half; and matched, all), the mean percentile of each type's scores
among all probe prompts (50 is the middle) and, at the router's default threshold (strong_fraction
0.5 of its calibration prompts), the share of each type sent to the strong model.

    .venv/bin/python benchmarks/task_type_probe.py [--routers default mf] [--peer FILE] [--json PATH]
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
#: The length-balanced half (written 2026-12-08, never used for training): 22 *short* prompts of
#: each HIGH type and 22 *long* prompts of each LOW type, so that length alone cannot rank the probe.
LENGTH_PROMPTS: dict[str, list[str]] = {
    "math": [
        "what's 17.5% of 2,360 dollars?",
        'solve for x: 3x + 7 = 5x - 19',
        'how many seconds are there in 3.5 days?',
        'Convert 72 miles per hour to metres per second.',
        'area of a circle with diameter 14 cm? use pi = 3.14',
        "P(A)=0.3, P(B)=0.5, independent. what's P(A or B)?",
        'price went from $80 to $92, what % increase is that',
        'Hypotenuse of a right triangle with legs 9 and 40?',
        "What's the sum of all the integers from 1 to 250?",
        'solve for x: x^2 - 5x - 14 = 0',
        'how many ways can you pick 4 people out of 11?',
        "What's the LCM of 18, 24 and 30?",
        'my car does 6.2 L/100km. how far do i get on 43.4 litres?',
        'greatest common divisor of 462 and 1071?',
        'probability of exactly two heads in three coin flips?',
        '$1,200 at 5% simple interest for 7 years — how much interest?',
        'slope of the line through (2, -3) and (7, 12)?',
        'Volume of a cube whose surface area is 150 cm²?',
        'what is 3/8 + 5/12 as a single fraction',
        'how many litres fit in a 2m x 1.5m x 0.8m tank',
        "What's each interior angle of a regular 12-sided polygon?",
        'if 5 pens cost $3.45, how much are 13 pens',
    ],
    "logic": [
        'If all roses are flowers and some flowers fade fast, must some roses fade fast?',
        'what comes next in the sequence 3, 7, 15, 31, 63, ...?',
        "Knights always tell the truth, knaves lie. A says 'I'm a knave or B is a knight.' What's B?",
        "Ed is taller than Fay, Gus is shorter than Fay, Hal is taller than Ed. Who's 2nd tallest?",
        "'Brothers I have none, but this man's father is my father's son.' Who's in the photo?",
        'No fish are mammals and all whales are mammals. Can any whale be a fish?',
        'If no A are B and all C are A, is it possible for some C to be B?',
        "If it isn't raining I walk to work. Today I didn't walk. Was it raining?",
        "A is B's mother and B is C's father. What is A to C?",
        "Mary's father has five daughters: Nana, Nene, Nini, Nono. What's the fifth one called?",
        '3 switches outside a room, 1 bulb inside, you can go in once. how do you find the right switch?',
        'which is the odd one out: 8, 27, 64, 100, 125 - and why?',
        'all squares are rectangles. some rectangles are red. so some squares are red? valid or not',
        'If today is Tuesday, what day of the week will it be 100 days from now?',
        "One truth-teller, two liars. A: 'B is a liar.' B: 'C is a liar.' Who tells the truth?",
        "What's the next letter: O, T, T, F, F, S, S, E, ?",
        'you overtake the person in 2nd place in a race. what place are you in now?',
        'Some A are B and no B are C. Does it follow that some A are not C?',
        "knights & knaves: A says 'we are both knaves'. what are A and B??",
        'How do I measure exactly 4 litres with only a 3 L jug and a 5 L jug?',
        "Is this valid: 'All dogs bark. Rex barks. So Rex is a dog.' If not, what's the flaw?",
        "A surgeon says 'I can't operate, he's my son', but isn't his father. How?",
    ],
    "code": [
        'regex for a US zip code, 5 digits or ZIP+4',
        'python one liner to flatten a nested list (one level deep)',
        "fix this: if x = 5: print('five')",
        'sql: count orders per customer, biggest first',
        'bash: rename every .txt file in a folder to .md',
        'How do I deep clone an object in JS without lodash?',
        "what's wrong with def f(a, b=[]): b.append(a); return b",
        'write fizzbuzz in rust',
        'git: undo my last commit but keep the changes',
        'Reverse a string in Python without using slicing.',
        'regex to match a valid IPv4 address',
        'SQL query for the second highest salary in employees',
        'how do i read a json file in node',
        'C: swap two ints without a temp variable',
        'python: is a string a palindrome, ignoring case and spaces?',
        'explain [x for x in range(20) if x % 3 == 0]',
        'why is 0.1 + 0.2 !== 0.3 in javascript',
        "pandas: group by 'city' and get the mean 'price'",
        'shell one-liner to count lines in all .py files recursively',
        'CSS to center a div both horizontally and vertically',
        'fix: SELECT name, COUNT(*) FROM users;',
        'convert a unix timestamp to an ISO date string in python',
    ],
    "extraction": [
        "Extract the date and amount: 'Refunded €18.75 by Zalando on 14 Feb 2025.'",
        "get the name and phone number from this: 'call Priyanka on 07700 900123 after 6'",
        "Who, where, when? 'Lunch with Omar at Bistro Lila, Friday 1pm.'",
        "JSON with city and temperature please: 'Oslo -4°C, Lisbon 17°C, Cairo 24°C'",
        "Extract the flight number and gate: 'BA287 to SFO now boarding at gate B42'",
        "list just the ingredients: 'mix 200g oats with 2 bananas and a splash of oat milk'",
        "pull out all the hashtags: 'loving this #sunset at #bondi beach #nofilter'",
        "Give me the invoice number, due date and total: 'INV-2291, due 30/06, total £1,240.00'",
        "what's the version and release date here: 'v3.12.1 shipped on 2025-04-02'",
        "Extract name, age and city as JSON: 'I'm Tomas, 34, living in Brno.'",
        "Get each item and its price: 'Latte 3.40, Croissant 2.10, OJ 2.95'",
        "Pull the URL out of this: 'docs moved to https://docs.example.org/v2/setup, update bookmarks'",
        "Extract start time, end time and day: 'Maintenance window 02:00-04:30 UTC Sunday'",
        "Which people and which roles? 'Chair: Dr. Amal Haddad; Secretary: Ken Ito'",
        "all the email addresses pls: 'cc ana@fjord.io, b.ruiz@mail.com and ops@fjord.io'",
        "Tell me the error code, file and line: 'E1045 at line 88 in parser.c: unexpected token'",
        "Turn into key: value pairs: 'Height 182cm, weight 76kg, blood type O+'",
        "Extract the dates as YYYY-MM-DD: 'runs from March 3, 2025 until 17 Apr 2025'",
        "From 'Sold 3 shares of AAPL at $189.20 on 5/12', get ticker, qty, price and date",
        "extract the company names: 'Veltro signed with Ambrose & Kell and later with NuPath'",
        "Give me the sender and what they want: 'From Jen: can you send the Q2 deck by Thursday?'",
        "Get the title, author and ISBN: 'Piranesi by Susanna Clarke, ISBN 978-1-63557-563-7'",
    ],
    "writing": [
        "Can you write a wedding toast for my best friend Dana and her husband Luis? They met at a salsa class where she stepped on his foot six times, they have a three-legged dog called Biscuit, and they're both obsessed with camping. I want it warm and a bit funny, about two minutes long, and nothing embarrassing since her grandma will be there.",
        "I'm applying for a junior graphic designer job at a small agency that does branding for breweries and cafes. Could you write the opening paragraph of my cover letter? I just finished a two-year design diploma, I freelance for a local coffee roaster, and I want it to sound confident but not arrogant.",
        "write me a short story (maybe 500 words) about an old woman who runs a lighthouse on a tiny Scottish island and a teenage boy who washes up after a kayaking accident. they don't like each other at first. i'd like it quiet and a bit melancholy, and the ending should be hopeful but not sappy",
        "Our neighbourhood association is hosting a spring clean-up on Saturday April 12, 9am to noon, meeting at Elm Park. We'll provide gloves, bags and coffee, kids are welcome, and there's a pizza lunch afterwards. Please write a friendly flyer text that would make busy people actually want to come, under 150 words.",
        "I need a poem for my dad's retirement party. He was a postman for 34 years, walked the same route through our town, knew every dog by name and always carried biscuits for them. Rhyming is fine but please keep it sincere, not jokey, and short enough to read out in under a minute.",
        'Could you write a product description for our handmade ceramic mugs? Each one is wheel-thrown in our garage studio in Vermont, glazed in a speckled sea-green, holds about 12 oz, and no two are exactly alike. Target audience is people who buy gifts on Etsy. Warm, a little poetic, 80-100 words.',
        'write a bedtime story for my 4 year old twins, Ava and Leo. they love dinosaurs and trains, and Leo is scared of thunder at the moment so maybe something where a storm turns out to be not so scary? keep it gentle and about 5 minutes to read aloud, and please end with everyone falling asleep',
        "I run a tiny bookshop called The Dog-Eared Page in a seaside town. We're about to start a monthly newsletter for regulars. Can you write the welcome message for the first issue? Mention our Thursday poetry nights, the shop cat Marlowe, and that we're introducing a used-book trade-in scheme. Cosy tone, not salesy.",
        "Please help me write a thank-you email to my team after we shipped a really stressful product launch two weeks late. People worked weekends and I want to acknowledge that honestly without sounding corporate. It's a team of eight, mostly engineers, and I'd like to mention that everyone gets Friday off.",
        "Write song lyrics for a folk song about my grandparents' farm in Iowa that got sold last year. Details: the red barn with the crooked weathervane, the tire swing on the oak, grandma's rhubarb pie, and grandpa whistling while he fixed the tractor. Two verses and a chorus, bittersweet.",
        "i'd like a short speech for my daughter's high school graduation party. she's going to study marine biology, she was captain of the swim team, and she once rescued a seagull tangled in fishing line. I want to make people laugh once and cry a little, around 3 minutes, from me as her mom.",
        'Can you come up with 10 name ideas and a tagline for a food truck? We sell Korean-Mexican fusion: kimchi quesadillas, bulgogi tacos, gochujang churros. We park mostly near a university, the vibe is playful and loud, and the truck is painted bright orange. Names should be easy to say and remember.',
        "Write a spooky short story for a campfire, about 400 words. Setting: a summer camp by a lake in the 1980s. A counselor named Rick hears a canoe paddling across the lake at night, but all the canoes are locked up. I want a twist at the end that's creepy but fine for 12-year-olds.",
        "I'm writing a LinkedIn post announcing that I'm leaving my job as a nurse after 11 years to become a UX researcher. I want to thank my colleagues at St. Mary's, say something about how caring for patients taught me to listen, and sound excited rather than like I'm running away. Around 150 words.",
        "Could you write a haiku sequence, 5 haiku, that follows one day in a Tokyo convenience store from opening to closing? I'd like small concrete details, like the onigiri shelf, the door chime, a tired salaryman at midnight. No rhyming obviously, and try to keep the 5-7-5 pattern if you can.",
        "Need an apology message to send my friend Kerry. I forgot her birthday dinner last Friday because I got the date wrong and I feel awful. We've been friends since primary school. I want it to be sincere, a little self-deprecating, and to suggest I take her out for sushi next week to make up for it.",
        'Write the opening scene of a cozy mystery novel. The detective is a retired librarian named Edith who lives in a Cotswolds village and keeps bees. The scene should introduce her, the village fete, and end with someone discovering that the prize-winning marrow has been stolen. Light and witty, about 400 words.',
        "please write a limerick-style birthday message for my coworker Raj, who is turning 30, runs marathons, can't cook at all (he once burned pasta), and is famous in our office for his terrible dad jokes. It's going in a group card so keep it short and office-appropriate haha",
        "Help me write an 'about us' page for our family-run Greek restaurant in Melbourne. My grandparents opened it in 1978 after moving from Crete, my mum runs the kitchen now, we still use yiayia's recipe for moussaka, and on Sundays the whole family eats together there. Warm and proud, around 200 words.",
        "Write a letter from me to my future self, to be opened in 10 years. I'm 25, just moved to Berlin, learning German badly, working at a startup, and I just adopted a rescue cat named Pretzel. I want it to be funny and honest, and to include a few questions for future me.",
        "Can you write a short motivational speech for my under-10s football team before their cup final? They lost 4-0 to the same team earlier in the season, they've improved loads since, and I want them to have fun and not be scared. Simple words, short sentences, something they'll remember.",
        "I'd love a romantic poem for my wife for our 15th anniversary. We met in a rainstorm at a bus stop in Dublin, our first date was at a terrible karaoke bar, and we now have two boys and a very loud parrot. Free verse is fine, I'd like it tender with one or two funny lines in there.",
    ],
    "roleplay": [
        "You're a grumpy 1920s ship captain named Captain Harlan Voss, sailing a cargo steamer from Liverpool to New York. My character, a skinny 16-year-old, has just been found stowed away in the coal bunker. Stay in character and decide what to do with me. Speak like a gruff old sailor.",
        "Let's do a roleplay. You are Mrs. Pemberton, a strict but secretly kind headmistress at a 1950s English boarding school. I'm a new pupil who just arrived three weeks late in the term with no uniform and a pet hedgehog in my suitcase. Stay fully in character and respond to me standing in your office.",
        "you're an old blacksmith in a fantasy village called Brackenford, a bit deaf and very proud of your work. I'm a young adventurer who wants a sword but only has 12 silver coins and a weird glowing rock I found in a cave. haggle with me and stay in character the whole time pls",
        'I want to practice a job interview. Please play Diane, a tough but fair hiring manager at a mid-sized logistics company, interviewing me for an operations coordinator role. Stay in character, ask one question at a time, and react realistically to my answers. Start by welcoming me in.',
        "Pretend you're a Victorian ghost named Lady Evangeline who has haunted the same manor house for 150 years. I'm a modern estate agent trying to show the house to buyers, and you keep interrupting. Stay in character, be dramatic and a little offended that people want to install an open-plan kitchen.",
        "Roleplay time! You're Captain Zora Kade, commander of a battered starship in deep space. The engines are failing, supplies are low, and I'm your nervous new navigator who just admitted I plotted the wrong course. Stay in character, give me orders and let's figure out how to survive.",
        "Can you be Chef Marco, a loud, passionate Italian chef who runs a tiny trattoria in Naples? I'm a tourist who just asked for pineapple on my pizza. React in character, and then after you calm down, maybe try to convince me to order something better. Keep it funny, please.",
        "let's roleplay a noir detective story. you are Sam Calloway, a tired private eye in 1947 Los Angeles. it's raining, your office smells like old coffee, and I walk in as a nervous jazz pianist whose trumpet player vanished two nights ago. stay in character and narrate in that hardboiled style",
        "You're a wise old tortoise called Grandfather Shell who lives at the bottom of a pond and has seen everything. I'm a young frog who is worried about leaving the pond for the first time. Please stay in character, speak slowly and kindly, and give me advice through little stories.",
        "I'm running a D&D session and need an NPC. Please play Grizelda, a suspicious goblin merchant who sells questionable potions out of a cart near the city gates. The party (me playing a half-elf rogue) wants information about a missing noble. Stay in character, be shifty and greedy, and don't give info for free.",
        "Pretend you're a medieval court jester in King Aldric's castle. The king is in a terrible mood because his banquet was ruined by a rainstorm, and I'm a nervous young squire who has to bring him bad news. Stay in character, help me out with jokes and rhymes, and make it entertaining.",
        "Be my personal butler, Jeeves-style, named Percival. I'm a very disorganised aristocrat in 1920s London who has accidentally agreed to three dinner parties on the same evening. Stay in character, be extremely polite and dryly witty, and help me get out of this mess.",
        "You're an overworked barista at a hipster coffee shop in Portland, it's 7:55am and the line is out the door. I'm a customer who wants a very complicated order and keeps changing my mind. Stay in character, be polite on the surface but let your exhaustion show a bit. Go!",
        "Roleplay as Elara, an elven queen who hasn't spoken to a human in 300 years. I'm a human diplomat sent to ask for an alliance against an approaching army. Speak in an old-fashioned, formal way, be distrustful at first, and stay in character throughout our conversation.",
        "hey can you be a space tourism tour guide in the year 2150? I'm a family of four on our first trip to the Moon resort and my kids keep asking silly questions. stay in character, be upbeat, and describe what we're seeing out the window as we approach the lunar surface",
        "Please pretend to be my grandmother's old cat, Mr. Whiskers, who is very sarcastic and thinks he is royalty. I'm the new dog my family just adopted and I'm trying to make friends. Stay in character as the cat and answer everything I say with as much disdain as possible.",
        "Let's roleplay a 1960s radio DJ late-night show. You're 'Smooth' Eddie Marlow, hosting from a tiny studio in Memphis, and I'm a caller who just had my heart broken. Stay in character, take my call on air, talk me through it, and pick a song to dedicate to me.",
        "You are the captain of the city watch in a rainy fantasy port town called Saltmere. I'm a halfling who was caught sneaking out of the mayor's house at midnight carrying a golden goose. Interrogate me in character, be stern but you can be bribed with good pastries.",
        "Can you roleplay as a 19th-century explorer writing in his journal while lost in the Amazon? I'll play a local guide he meets. Stay in character, speak like a pompous Victorian gentleman who slowly realises he knows nothing, and ask me for help finding the river.",
        "Be a robot shopkeeper in a post-apocalyptic trading post who has been alone for 40 years and is really excited to finally have a customer. I'm a wanderer looking for clean water and batteries. Stay in character, be a bit glitchy and overly friendly, and try to sell me useless junk.",
        "Pretend you are Aunt Margaret at a big family Christmas dinner, the kind of aunt who asks everyone when they're getting married and why they haven't got a proper job yet. I'm your 29-year-old nephew who just quit law to become a potter. Stay in character!",
        "You're a cheerful but slightly clumsy fairy godmother who is very new at the job. I'm a kitchen maid who needs to get to the royal ball tonight, but your spells keep going wrong (the pumpkin turned into a giant turnip). Stay in character and keep trying to fix it.",
    ],
    "humanities": [
        "I've been reading Camus's The Stranger for my book club and my friend Tom insists Meursault is basically a sociopath and the book is overrated. I found him strangely honest, like he refuses to perform feelings he doesn't have. What do you think, is Meursault a monster or is Camus making a deeper point?",
        "My history teacher said that the Treaty of Versailles made World War II almost inevitable, but I read somewhere that this is an oversimplification and the Depression mattered more. I'm curious what you think. How much blame does the treaty really deserve compared to everything else in the 1930s?",
        'I went to the Rothko room at the Tate last weekend and honestly just saw big dark rectangles, but the woman next to me was actually crying. I felt a bit left out. What is it about Rothko that moves people so much, and is there a way to look at his work that might help me get it?',
        "so my philosophy prof keeps bringing up the trolley problem and half the class thinks it's pointless because nobody will ever be in that situation. i kind of agree but i also feel like there's something to it. why do philosophers love these weird thought experiments so much, do they actually tell us anything?",
        "I just finished One Hundred Years of Solitude and I'm a bit overwhelmed. All the repeating names, the rain that lasts years, the ending with the parchments. My dad loved it but I'm not sure I did. What do you think Garcia Marquez was trying to say about memory and history in Macondo?",
        "I'm visiting Istanbul next month and I've become fascinated by the Hagia Sophia, how it's been a church, a mosque, a museum and now a mosque again. It seems like the building itself tells the story of the city. Can we talk about what it has meant to different people over the centuries?",
        "A friend of mine argues that Shakespeare is only famous because of British colonialism spreading English everywhere, and that plenty of his contemporaries were just as good. I think there's more to it than that but I can't quite articulate why. What's your take on this?",
        "I've been getting into Stoicism through Marcus Aurelius's Meditations, but my partner says it's just a philosophy for accepting injustice and not complaining. It's made me wonder. Is Stoicism really about passive acceptance, or is that a misreading? I'd love to hear your thoughts.",
        "We visited Pompeii on holiday and my kids kept asking what normal people there actually did all day, not the emperors or generals but bakers and kids like them. I didn't really know what to tell them. What do we know about ordinary daily life in a Roman town like that?",
        "I keep thinking about something my grandmother said: that every generation thinks it's living through the end of the world. She lived through the war in Poland. Do you think people throughout history have always felt that way, or is our modern anxiety about the future something new?",
        "I'm rereading Jane Eyre as an adult and I'm shocked by how differently I see Rochester now. At 15 I thought it was the most romantic story ever, now he seems manipulative and kind of awful. Is it ok to still love this book? How do people read it today compared to when it came out?",
        "My book club is split on whether Kafka's The Metamorphosis is about illness, about family, or about capitalism and work. One member says it's pointless to decide since Kafka left it open. Which reading do you find the most convincing, and does it even matter if there's one right answer?",
        "i've been watching a lot of documentaries about the Vikings and they're always shown as either bloodthirsty raiders or cool explorers and traders. which picture is closer to the truth? it feels like pop culture just picks whichever is more fun for the story lol",
        "I teach art to middle schoolers and one kid asked me why Picasso is considered a genius when his faces 'look like a kid drew them'. I gave some answer about cubism but I don't think I convinced him. How would you explain why Picasso matters, in a way a 12-year-old might actually buy?",
        "Someone on a podcast said the Middle Ages weren't actually 'dark' and that the term is mostly Renaissance propaganda. That surprised me since school taught me the opposite. What do historians think about this now, and where did the idea of the Dark Ages come from in the first place?",
        "I recently lost my father and a friend gave me a copy of C.S. Lewis's A Grief Observed. It hit me harder than I expected, especially how angry he is at God. I'm not religious myself. Why do you think that book still speaks to people who don't share his faith?",
        "My uncle keeps saying that the French Revolution was a total disaster that just led to the Terror and Napoleon, so it proves revolutions never work. I think he's missing something but I'm not sure what. Was the Revolution a failure, or did it change things for the better in the long run?",
        "Been reading a lot of Mary Oliver lately, especially 'Wild Geese', and I find it so comforting. But a poet friend of mine dismisses her as 'greeting card poetry'. Is that fair? What makes poetry serious or profound versus just pleasant, and does that distinction even make sense?",
        "I'm half Japanese and recently started learning about the Edo period because my grandmother's family were merchants in Osaka. It seems like a strange mix of isolation and cultural flowering. What do you find most interesting about that era and how it shaped modern Japan?",
        "After visiting the Parthenon, I keep thinking about the debate over the Elgin Marbles. The British Museum says they're safer and seen by more people in London; Greece says they belong in Athens. I honestly go back and forth. What are the strongest arguments on each side in your view?",
        "My teenage son says that studying philosophy is a waste of time because science has answered all the big questions already. I disagree but I'm not a philosopher. What would you say to him? Are there questions that science fundamentally can't answer, or is he kind of right?",
        "I've started listening to Bach's cello suites every morning and they feel almost spiritual to me, even though I'm not religious and don't know much about classical music. Why do you think music written 300 years ago can still affect people so deeply? What was Bach trying to do?",
    ],
    "greeting": [
        "Hey! Just got back from two weeks in Portugal, the pastel de nata in Lisbon were unreal and I think I gained 3 kilos lol. Anyway, how's your day going?",
        "good morning!! it's finally sunny here after like ten days of rain and I'm sitting on my balcony with a coffee feeling very smug about it. hope you're having a nice one too",
        'Just wanted to say thanks for the help last week with my presentation, it went really well and my manager actually smiled, which never happens. Anyway, no question today, just saying hi!',
        "hiya, it's me again. long day at work, my cat knocked a plant off the windowsill the moment I got home, and now I'm just lying on the sofa. how are things on your end?",
        "Happy Friday! My team finished our project a day early so we're all leaving at 3pm today, which feels like a minor miracle. Any fun plans for the weekend? (I know, I know, you're an AI, but still)",
        "Hello there, I'm Priya, I'm new to using chatbots and my daughter said I should just say hello and see what happens. So... hello! Nice to meet you. I hope I'm doing this right.",
        "ugh mondays. I missed my bus by like 20 seconds this morning and had to wait half an hour in the cold. anyway I'm at my desk now with a huge tea, so things are looking up. how are you doing?",
        'thank you so much for earlier!! seriously you saved my evening, I was about to give up. I owe you one, or I would if you drank coffee haha. have a good night',
        "Hi! Just finished my first ever 5k run this morning, 34 minutes, which is slow but I didn't stop once and I'm very proud of myself. Had to tell someone and everyone else is still asleep :)",
        'Good evening! Sorry I disappeared in the middle of our chat yesterday, my toddler decided to paint the hallway with yoghurt. All cleaned up now. How have you been?',
        "heyyy so I just wanted to chat for a bit, nothing specific. I'm on a train from Leeds to London and the wifi is actually working for once, which feels like a big win. what's new with you?",
        "Morning! It's my birthday today, I'm 40, and weirdly I feel great about it. My kids made me pancakes shaped like (I think) hearts. Anyway, just wanted to share the good mood. Hope your day is good too!",
        "hello hello, it's 2am and I can't sleep, been staring at the ceiling for an hour. not really looking for advice, just felt like saying hi to someone. how's your night going?",
        "Thanks again for all your help with my thesis these past months. I submitted it today and I honestly can't believe it's done. Going to celebrate with way too much pizza tonight. Cheers!",
        "Hi hi! My sister just had her baby, a little boy named Theo, 3.4 kg, and I'm officially an aunt!! I'm so happy I'm telling literally everyone, including you. How's your day been?",
        "Hey, quick hello before I head out. It's snowing properly here for the first time this winter and the whole street is out building snowmen, even the grumpy neighbour. Hope you're well!",
        'just popping in to say you were right about the lasagna recipe, adding the nutmeg made a huge difference. my in-laws asked for seconds, which is a first. anyway thanks and have a lovely evening',
        "Hello! I'm back from my hospital stay, everything went fine with the surgery and I'm home with my feet up and a stack of books. Just thought I'd say hi. How have you been keeping?",
        "Yo! Finally finished moving into my new flat, took three days and two very tired friends. There are boxes everywhere but the view of the river is amazing. What's up with you today?",
        "Hi there, hope you're having a nice day. It's raining and I'm working from home with the dog snoring next to me, so honestly pretty cozy. Just wanted a bit of friendly chat before my next meeting.",
        "thank u for being so patient with me yesterday, I know I asked the same thing like five times lol. I'm a lot calmer today. hope you're doing good, whatever that means for an ai :)",
        "Evening! Just got home from my first pottery class, my bowl looks more like an ashtray but I loved every minute of it. The teacher was lovely. Anyway, how's everything with you?",
    ],
}


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


#: A third set (written 2026-12-08 by a helper that saw no router; scored once, to compare the
#: recipes in docs/benchmarks.md, never used to choose one): 24 prompts a type, 8 each of 20-80,
#: 80-180 and 180-400 characters, so every type spans the same lengths.
SEALED_PROMPTS: dict[str, list[str]] = {
    "math": [
        'convert 1011011 from binary to decimal',
        'whats the remainder when 7^100 is divided by 5',
        'derivative of x^3 * ln(x)?',
        'How many trailing zeros does 50! have?',
        'Mean and median of 4, 9, 2, 7, 7, 11, 3?',
        'solve the system: 2x + 3y = 12 and x - y = 1',
        'what is log base 2 of 1024 plus log base 3 of 81',
        'Convert 98.6°F to Celsius, show the formula pls',
        'A pipe fills a pool in 6 hours and a drain empties it in 9 hours. With both open, how long does it take to fill the empty pool?',
        "Quick one for my kid's homework: what's the smaller angle between the hour and minute hands of a clock at 3:40?",
        "I draw 2 cards from a standard 52-card deck without replacement. What's the probability that both are hearts?",
        'Carbon-14 has a half-life of 5730 years. What fraction of the original C-14 is left after 17,190 years?',
        'A cone has radius 6 cm and slant height 10 cm. What is its volume? Give it in terms of pi and as a decimal.',
        'find the sum of the geometric series 3 + 6 + 12 + ... up to the 10th term, please show the steps',
        'a boat goes 36 km downstream in 2 hours and back upstream in 3 hours. what is the speed of the current and of the boat in still water?',
        'The sides of a triangle are 13, 14 and 15 cm. Please calculate the area, I think we need Heron formula but I forgot it.',
        "At our school fair there's a game: you pay $2 and roll two dice. If the sum is 7 you win $8, if it's 2 or 12 you win $15, otherwise nothing. I'm running the stall, so I want to know: what's the expected profit per game for the stall, and over 300 players?",
        'A test for a disease catches 95% of people who have it and has a 2% false positive rate. 1 in 200 people have the disease. My test came back positive. What is the chance I actually have it? My doctor said not to panic and I want to understand why.',
        'My course grade is weighted: homework 20%, two midterms 25% each, final exam 30%. I have 92 on homework, 78 and 84 on the midterms. What do I need on the final to end up with at least 85 overall? And is a 90 even possible if the final is capped at 100?',
        "We're re-tiling a kitchen floor that's L-shaped: one part is 4.2 m by 3 m and the other bit is 1.8 m by 2.5 m. Tiles are 30 cm x 30 cm, sold in boxes of 12, and the guy in the shop says add 10% for cuts and breakage. How many boxes do we need to buy?",
        'A town had 24,000 people in 2015 and 30,000 in 2020. Assuming the growth is exponential at a constant yearly rate, what was that rate in percent, what population should we expect in 2030, and in which year does it first go over 50,000?',
        "i'm training for a half marathon (21.1 km) and want to finish under 1 hour 55 min. what average pace per km do i need, in min:sec? and if i run the first 10 km at 5:40 per km, what pace do i need for the rest to still make it?",
        'Three siblings are splitting an inheritance in the ratio 2:3:5. The total to divide is the €84,000 from selling the house plus a €6,000 advance the oldest (who gets the 5 part) already received. How much does each of us actually get paid now?',
        "I'm travelling: I changed 500 GBP into euros at 1.16, spent 320 euros in France, then changed the rest into Swiss francs at 0.94 francs per euro. In Switzerland I spent 150 CHF. If I change the remaining francs back at 0.89 pounds per franc, how many pounds do I get back?",
    ],
    "logic": [
        '10 black and 10 white socks in a dark drawer. min draws to surely get a pair?',
        'solve SEND + MORE = MONEY, each letter a different digit',
        '8 coins, one is heavier. fewest weighings on a balance to find it?',
        "'Not all birds can fly' means: some birds can't fly, or no bird flies?",
        "64 players, single elimination. How many matches until there's a winner?",
        'A clock strikes 6 in 5 seconds. How long does it take to strike 12?',
        "Negate this correctly: 'Every student passed at least one exam.'",
        "Is 'you can enter only if you pay' the same as 'if you entered, you paid'?",
        'Cards show A, K, 4 and 7. Rule: if a card has a vowel on one side, it has an even number on the other. Which cards must you flip to test the rule?',
        "4 people must cross a bridge at night with one torch, max 2 at a time, walking at the slower one's pace. They take 1, 2, 5 and 10 minutes. Fastest total time?",
        "Anna, Ben and Carl live on floors 1, 2 and 3. Anna doesn't live on the top floor, Carl lives above Ben, and Ben isn't on floor 1. Who lives where?",
        "My boss said 'you get the bonus only if you hit your targets'. I hit my targets. Am I guaranteed the bonus? explain pls",
        'Five friends sit in seats 1-5 of a cinema row. Dan is in seat 1, Eva sits next to Dan, Fin is in the middle seat and Gil is not at an end. Where is Hana?',
        "A man lies on Mon, Tue and Wed and tells the truth on the other days. Today he says 'I lied yesterday.' Which day or days can it be today?",
        'Jo has as many brothers as sisters, but each of her brothers has twice as many sisters as brothers. How many children are in the family?',
        'Lemon, carrot, chocolate, cheese and red velvet cakes were ranked 1-5. Chocolate beat lemon, lemon beat carrot, cheese came last, red velvet was right behind lemon. Order?',
        "Three neighbours, Olga, Pavel and Quinn, each have one pet (dog, parrot, fish) and one job (baker, nurse, pilot). The pilot owns the parrot. Olga is not the baker and is allergic to fur. Quinn's pet lives in water. Pavel works night shifts at the hospital. Who has which pet and which job?",
        "Three people stand in a line, all facing forward: the back one sees the two in front, the middle sees only the front one, the front one sees nobody. There are 3 black and 2 white hats and each wears one. The back one says 'I don't know my colour', then the middle one says 'I don't know either'. The front one then says she knows. What colour is her hat, and why?",
        "I need to schedule 5 talks P, Q, R, S, T in slots 1 to 5. Q must come before R, S must be immediately after P, T can't be first, R is in slot 4, and Q isn't in slot 1. What's the order? Please show how you get there.",
        "Premises: (1) every member of the chess club also plays go; (2) nobody who plays go is on the football team; (3) some football players are in the drama club. Which of these follow? (a) no chess club member is on the football team (b) some drama club members don't play go (c) some drama club members aren't in the chess club (d) no drama club member plays chess",
        "There's a hallway with 100 closed lockers and 100 students. Student 1 opens every locker, student 2 toggles every 2nd locker, student 3 toggles every 3rd, and so on up to student 100. At the end, which lockers are open, and how many? My teacher says there's a neat reason.",
        "on a note there are three sentences: 1) exactly one of these sentences is false. 2) exactly two of these sentences are false. 3) exactly three of these sentences are false. which of them, if any, is true? my friend says it's a paradox and none of them can work, is he right?",
        "I'm at a fork in the road: one road leads to the village, the other into the swamp. A single local stands there, and he either always tells the truth or always lies, I don't know which. I can ask him exactly one yes/no question. What should I ask to be sure which road to take, and why does it work in both cases?",
        'Please check my reasoning. Premise 1: if the alarm was set, the guard would have heard it. Premise 2: if the guard heard it, he would have called the police. The police were not called. I concluded that the alarm was not set. Is that conclusion valid, and what is the rule called?',
    ],
    "code": [
        'why does for(var i=0;i<3;i++) setTimeout(()=>console.log(i)) print 3 3 3',
        'awk to sum the 3rd column of data.csv (comma separated)',
        'regex for a hex color like #fff or #1a2b3c',
        'cron expression for every weekday at 6:30am?',
        'python: group a list of words into anagram groups',
        'Java: why is "abc" == new String("abc") false?',
        'write a function that converts roman numerals to int, in python',
        'SQL running total of sales by date with a window function',
        'Write a Python generator that yields prime numbers forever (a lazy sieve is fine) and show how to take the first 20.',
        "can someone explain what this does: tar -czvf backup-$(date +%F).tar.gz --exclude='*.tmp' ~/projects",
        "This throws 'r.json is not a function', why?\n\nasync function getUser() { const r = fetch('/api/me'); return r.json(); }",
        'Write a SQL query that lists customers who have never placed an order. Tables: customers(id, name), orders(id, customer_id).',
        "Implement run-length encoding in JavaScript: 'aaabccdddd' -> 'a3b1c2d4', and the decoder back the other way too.",
        "What's the time complexity of this and why?\n\nfor i in range(n):\n    j = 1\n    while j < n:\n        j *= 2",
        'Rust says \'borrow of moved value: s\' after I do let t = s; println!("{}", s); how do I fix it?',
        'Write a TypeScript generic function groupBy<T, K> that takes an array and a key function and returns a Map<K, T[]>.',
        "This C code is supposed to copy a string but sometimes prints garbage at the end. What's the bug?\n\nchar *dup(const char *s) {\n    char *d = malloc(strlen(s));\n    for (int i = 0; i < strlen(s); i++) d[i] = s[i];\n    return d;\n}",
        "Write a Python class BankAccount with deposit, withdraw and a balance property. Withdraw should raise a custom InsufficientFunds exception when there isn't enough money, and the class should keep a list of transactions with timestamps. Please add a couple of pytest tests too.",
        "I have a graph as a dict like {'A': {'B': 4, 'C': 2}, 'C': {'B': 1, 'D': 8}, 'B': {'D': 5}}. Write Dijkstra in Python using heapq that returns both the shortest distance and the path from A to D, and tell me what it returns for this graph.",
        'Need a token bucket rate limiter in Go: capacity 10, refills 1 token every 100ms, a method Allow() bool, and it must be safe to call from many goroutines at once. No external libs please, only the standard library, and a short explanation of how it works.',
        "Postgres: table employees(id, name, department, salary, hired_on). For each department I want the top 3 earners (ties share a rank, so maybe more than 3 rows) and also each person's salary as a percentage of their department's total. One query if possible please.",
        'can u explain step by step what happens here, i dont get decorators. what does it print?\n\ndef twice(f):\n    def wrap(*a):\n        return f(f(*a))\n    return wrap\n\n@twice\ndef inc(x):\n    return x + 1\n\nprint(inc(5))',
        "My log lines look like '2025-03-02 11:04:55 user=alice action=login ip=10.0.0.7'. Give me a shell pipeline (grep/awk/sort/uniq, whatever works) that prints the 5 IPs with the most login actions together with their counts, sorted from most to least.",
        'Write a Java method that checks whether a binary tree is a valid binary search tree. Node is class Node { int val; Node left, right; }. Careful: comparing each node only with its direct children is not enough, I got that wrong in an interview. Please explain why too.',
    ],
    "extraction": [
        "Extract the year and model: 'my 2019 Corolla hybrid, silver'",
        "Get the dimensions as JSON: 'Desk 120x60x75 cm, 18 kg'",
        "list the cities: 'we fly Rome to Vienna, train to Prague, bus to Krakow'",
        "Room number and checkout time? 'Room 1207, checkout by 11:30'",
        "Pull out the ISBN: 'Dune, ISBN 978-0441172719, paperback'",
        "extract score & teams: 'Lakers 112 - 108 Celtics (OT)'",
        "what are the @mentions in 'thx @lena_k and @dev.ops for the fix'",
        "Get wifi name and password: 'Network: CasaBlu_5G / pw: limone2024'",
        "From this listing give me rent, bedrooms and deposit as JSON: '2-bed flat in Leith, £1,150 pcm, deposit £1,300, available 1 March'",
        "Extract the nutrition values per 100g into a table: 'Energy 1580 kJ, fat 12 g, of which saturates 4.1 g, carbs 55 g, sugars 20 g, protein 7.5 g'",
        "please take out the action items with their owner: 'Ravi will send the deck by Tue. Mei to book the venue. I'll chase legal about the NDA.'",
        "make a list of (name, diet) from this chat: 'Sam's vegan, Ola eats anything, Ines no gluten, and Pete is veggie but eats fish'",
        'Extract the laptop specs as key-value pairs: \'ThinkPad X1, 14" 2.8K OLED, Intel Core Ultra 7, 32GB RAM, 1TB SSD, 1.09 kg\'',
        'Give me every timestamp and topic from these show notes: 00:00 intro, 03:15 the new studio, 17:40 listener mail, 41:02 outro',
        "Extract make, model, year, mileage and price: 'Selling my 2016 VW Golf 1.4 TSI, 98k miles, full service history, £6,450 ono'",
        "Which acronyms appear in this, and what do they stand for? 'The WHO and the UN agreed; the EU's GDPR applies to all NGOs too.'",
        'Can you turn this into JSON with hotel, guest, check-in, check-out, nights, room type and total price?\n\nDear Mr. Adeyemi, thank you for booking with Hotel Alpenrose, Innsbruck. Your Superior Double Room is reserved from Friday 6 March 2026 (check-in from 15:00) to Monday 9 March 2026. Total incl. breakfast: EUR 612.00.',
        "put this into a table with day, time, class and room:\n'Mondays I have Organic Chem 9-10:30 in B204, then Stats 11-12 in the big hall (A1). Wednesdays Stats again same time and place, plus Lab 14-17 in L3. Fridays only Organic Chem, 9-10:30, B204.'",
        "Extract from this bug report: app version, OS, device, steps to reproduce (as a list), expected and actual result.\n'Using v4.2.1 on Android 14 (Pixel 7). Open Settings, tap Notifications, toggle Daily Digest off, go back. Expected: toggle stays off. Actual: it's on again when I reopen.'",
        "Make a standings table (team, played, won, drawn, lost, points) from this, 3 points a win and 1 a draw, sorted by points: 'After 6 rounds, Rovers have 4 wins, 1 draw and 1 loss; Athletic won 3 and drew 3; United won 2, drew 1, lost 3; and poor Wanderers lost all six.'",
        "Here is a voicemail transcript, please extract caller name, company, callback number, reason for calling and the dates mentioned, as JSON:\n'Hi, this is Greta Olsen from Nordlys Dental, calling for Mr Haddad. We need to move your cleaning from the 14th to Thursday the 16th, same time. Call us back on 0161 496 0732. Thanks!'",
        "I got these answers to 'favourite fruit?' in our team chat: Ana - mango, Bo - apple, Cy - Mango, Di - banana, Ed - apple, Flo - kiwi, Gus - mango, Hal - Banana. Give me a count per fruit (ignore upper/lower case), sorted from most to least, and who picked each.",
        'From this traceback list every file with line number and function, and tell me the exception type and message:\nTraceback (most recent call last):\n  File "app.py", line 42, in main\n    run()\n  File "jobs/runner.py", line 17, in run\n    load(cfg)\n  File "jobs/io.py", line 88, in load\n    return data[\'path\']\nKeyError: \'path\'',
        'Extract every quote with its speaker from this article, as a list of {speaker, quote}:\n\'"We are not closing the library," Mayor Ines Duarte told reporters on Monday. Councillor Bram Visser disagreed: "The budget says otherwise." Head librarian Kofi Mensah said only that "the doors stay open until someone locks them."\'',
    ],
    "writing": [
        'haiku about the first frost on my car windscreen',
        'Write an acrostic poem for the name MILA.',
        'slogan for a bike repair shop called Spoke & Chain?',
        "caption for my dog's 10th birthday pic, make it cute",
        'a short ode to my broken umbrella please',
        'write me a out-of-office message, funny but professional',
        'Two-line love poem from a toaster to a slice of bread.',
        'Could you write a villanelle about insomnia?',
        'Write a dating profile bio for me: 34, nurse, loves bouldering and bad horror films, looking for something serious.',
        "Please write a short condolence message for a colleague whose mother passed away. We're not close, but I want it sincere.",
        'Write a tiny sci-fi story (under 150 words) about the last satellite still orbiting a silent Earth.',
        'I need a fun invitation text for our housewarming party on Saturday the 14th. Bring a dish, kids and dogs welcome!',
        'write a rap verse about recycling for my 6th graders, clean lyrics obviously, something they would actually think is cool',
        'Can you write a wine label description for a dry Riesling from a small family vineyard on the Mosel? Two or three sentences.',
        'A nursery rhyme to make my 3 year old brush his teeth, with a bouncy rhythm please, he loves sharks.',
        "Write a farewell card message for a coworker moving to Canada. She always brought cake on Fridays, we'll miss her.",
        "Help me write my wedding vows. We've been together 7 years, met at a climbing gym when she literally fell on me, we have a three-legged cat named Tripod, and she got me through my dad's illness. About 1-2 minutes spoken, sincere with one light moment, and no clichés like 'my rock'.",
        "Can you write a short author bio for the back of my first novel? I'm a former ferry engineer from Tromsø, I write crime fiction set in the Arctic, I live with my husband and two huskies, and the book is called 'Polar Night'. Third person, around 80 words, slightly wry.",
        "write a modern retelling of Little Red Riding Hood where she's a food delivery courier in a big city and the 'wolf' is a smooth-talking startup founder. satirical but light, maybe 300 words, with a happy ending where she outsmarts him",
        "I need a message for our company Christmas card to clients. We're a small accounting firm in Leeds; it's been a tough year with the office flood in March, but we came through thanks to our clients' patience. Warm, professional, a tiny bit of humour about the flood, max 80 words.",
        "Write a 30-second intro script for my new podcast 'Dirt Under Nails' about urban gardening on balconies and rooftops. The host is me, Tomasz, a former chef who now grows 40 kinds of chillies on a 6 m² balcony in Warsaw. Upbeat, friendly, end with a catchphrase.",
        "My grandfather's memorial is next week and I was asked to read a short poem. He was a carpenter, built the house we grew up in, whistled old Welsh hymns, and every grandchild got a wooden box he carved with their initials. Please write something gentle, 12-16 lines.",
        "Please write a short story, around 300 words, about an old woman who finds her late husband's recipe box and discovers that every card has a little note for her written on the back. Quiet, bittersweet, no twist, set in a small town in Ohio in autumn.",
        'write a listing for my cottage on Airbnb: stone cottage in the Lake District, 2 bedrooms, wood burner, slow wifi (be honest about it lol), 10 min walk to a pub, sheep in the field behind, good for hikers. about 120 words, charming but not over the top',
    ],
    "roleplay": [
        "be a lighthouse keeper in 1890 and tell me about last night's storm",
        "You're a Viking skald. Sing of my epic trip to IKEA.",
        "Pretend you're a grumpy troll under a bridge and I want to cross.",
        "act as a new york taxi driver, i just got in and said 'JFK, fast'",
        'Play a sleepy museum night guard who hears the dinosaur bones move.',
        'You are a genie who is really bad at wishes. I rub the lamp.',
        'Be a park ranger who catches me feeding the bears. Stay in character',
        'pretend you are the Oracle of Delphi and I ask about my exam',
        "Let's roleplay: you're a flight attendant on a very bumpy flight and I'm a passenger who's terrified of flying. Keep me calm.",
        "You're a samurai who has just been hired as my bodyguard. I'm a merchant carrying silk to Kyoto. Introduce yourself in character.",
        "Play a time traveller from the year 2300 who is stuck in my kitchen and amazed by a toaster. I'll be myself. Stay in character.",
        "be a cowboy sheriff in a dusty 1870s town, I'm a stranger who just rode in and tied my horse outside the saloon. what do you say?",
        "Pretend you're a hotel concierge in Monte Carlo who can get anything. I'm a guest asking for a live penguin by tonight.",
        'roleplay as a conductor on a night train across Europe, I lost my ticket and I dont speak the language well. stay in role pls',
        "You are a medieval monk copying manuscripts by candlelight. I'm a novice who just spilled ink on a page. Respond in character.",
        "Act like a mermaid who has never seen a human, and I'm a diver who just swam into your coral cave. Stay in character.",
        "Let's do a scene: you're Captain Ingrid Sørlie, leading a 1911 polar expedition, and our sled dogs ran off in a blizzard. I'm the young expedition doctor. We're in the tent with food for 4 days and the base is 6 days away. Stay in character, be stoic, and talk through the plan with me.",
        "You are Madame Lune, owner of a tiny candy shop in 1930s Paris who secretly sells sweets that make people remember their happiest day. I'm a sad young soldier home on leave who walks in with only a few centimes. Stay in character, warm and a little mysterious.",
        "Play Mr. Okonkwo, a friendly but very chatty fabric seller at a busy market in Lagos. I'm a tourist looking for material for a wedding outfit and I have a tight budget. Haggle with me, tell me stories about your customers, and stay in character the whole time.",
        "Be Commander Aiyana Reyes, the first human on Mars, recording her log on sol 214 after a dust storm cut contact with Earth. I'm the rookie engineer who just got the radio working again. Stay in character, emotional but controlled, and talk to me while we wait for Earth to answer.",
        "pretend ur a wedding planner who is completely losing it because the ceremony is in 2 hours, the cake collapsed and the groom is stuck in traffic. im the bride's very calm best friend trying to help. stay in character, make it chaotic and funny, and let me suggest fixes",
        "Roleplay as Brother Tomas, gatekeeper of a remote mountain monastery, on a snowy night. I'm a traveller who knocks at midnight, hurt and carrying a sealed letter I can't explain. You're cautious, kind, and bound by a vow to speak only when necessary. Stay in character.",
        "Please play a sea witch called Thalassa who trades magic for memories. I'm a fisherman whose boat sank and I want it back. She's playful and dangerous, and always keeps her word but twists it. Stay in character and make me negotiate which memory I'm willing to give up.",
        "Be Dr. Hollis, a country vet in Yorkshire who has just been woken at 3am. I'm a panicking farmer at your door with a goat that swallowed my car keys and half a glove. Stay in character, sleepy, dry and very competent, and walk me through what happens next.",
    ],
    "humanities": [
        'Was Mozart really poisoned by Salieri, or is that just the film?',
        "What did Nietzsche actually mean by 'God is dead'?",
        "why do people still find Dante's Inferno so gripping?",
        "Is Kant's categorical imperative too strict to live by?",
        'How did the Black Death change ordinary life in Europe?',
        "What's the appeal of wabi-sabi in Japanese aesthetics?",
        'Don Quixote: tragic, comic, or both? curious what you think',
        'Why did Gothic cathedrals get so tall and so full of light?',
        "I just read Frankenstein for the first time. Is the creature the real victim of the story? I can't decide who to sympathise with.",
        'What made the Harlem Renaissance so important for American culture, and does its influence still show up today?',
        "Plato's cave allegory keeps popping up in films like The Matrix. Why do you think that image has lasted so long?",
        'how come Mansa Musa of Mali is so famous? i heard he crashed the gold price in Cairo, is that a real story',
        "Do you think Beethoven's deafness shaped his late music, or is that a romantic myth we like to tell?",
        "Is Banksy's street art real art, or is it just clever marketing? My friends and me argue about this all the time.",
        "In Buddhism there's the idea of 'no-self'. How can there be rebirth if there's no self to be reborn? It confuses me.",
        "Why was the Reformation so explosive? Luther wasn't the first person to criticise the Church, so what was different?",
        "I'm reading Toni Morrison's Beloved and it's the hardest book I've ever read, not because of the language but the content. Sethe's choice haunts me. I'm not sure if Morrison wants us to judge her or understand her. How do you read it, and why tell the story in such a fragmented way?",
        'My grandmother was a devout Hindu and would quote the Bhagavad Gita about doing your duty without attachment to results. I always found it comforting but also a bit troubling, since Krishna is persuading Arjuna to go to war. How do people reconcile that?',
        "Last summer I stood in front of Vermeer's Girl with a Pearl Earring in The Hague. It was much smaller than I expected, yet I couldn't stop looking. What is it about Vermeer and the Dutch Golden Age painters that makes ordinary domestic moments feel so intimate?",
        "I've been going down a rabbit hole on the Byzantine Empire. It lasted about a thousand years after the western empire ended, but school barely mentioned it. Why is Byzantium so neglected in Western history classes, and what do you think was its most lasting contribution?",
        "My daughter's drama teacher talks about 'catharsis' in Greek tragedy. We went to see Medea together and honestly I felt more disturbed than purified afterwards. Did Aristotle mean we should feel relieved? Why would audiences watch such terrible stories on purpose?",
        "I've started reading Rumi after a friend gave me a collection, but I read that many popular English versions strip out the Islamic and Sufi content. Does that matter if the poems still move people? I'm curious what you think about translation and what gets lost.",
        "Growing up in Liverpool, the Beatles were everywhere: my dad's records, the tourist buses, even the airport name. Honestly I'm a bit sick of them. But I wonder, were they really that revolutionary musically, or mostly in the right place at the right time? What do you think?",
        "we just watched a documentary about the Maya and it said their 'collapse' wasn't really a collapse, because millions of Maya still live there and speak Mayan languages today. i found that really interesting. how should we think about the end of civilisations, is collapse the wrong word?",
    ],
    "greeting": [
        "hi there! how's your tuesday treating you?",
        'Good afternoon :) just popping in to say hello',
        'back again lol, did you miss me?',
        "thanks heaps, you're a legend!! have a good one",
        'Hello from a very rainy Glasgow! How are you?',
        'morning!! my puppy woke me up at 5am, send coffee',
        'hey, thank you for yesterday, it really meant a lot',
        'Hallo, I am new here. How are you doing today?',
        "Hi! Just passed my driving test on the third try and I'm still shaking. No question, I just needed to tell someone!",
        'good evening, the first tomatoes from my garden are finally red and I ate one straight off the plant. bliss. how are you?',
        "Hey hey, back from a camping weekend with zero signal. Mosquitoes won, but the stars were worth it. What's new?",
        'Thank you so much for the help with my cover letter last week, I got the interview! Just wanted to say that :)',
        "Hello! The power's been out on my street for 3 hours so I'm chatting by candlelight on my phone. How's your evening?",
        "yo, my football team won the derby last night and I'm still hoarse from shouting. anyway hope your day's going good",
        'Good morning my friend, today is my first day in the new job. I am little nervous but happy. Wish me luck!',
        "hiii, just finished knitting my first scarf, it's lumpy and way too long but I love it. how's things with you?",
        "Hi again! My grandkids left this morning after a whole week here and the house is suddenly so quiet. We made pancakes, built a pillow fort that's still in the living room, and my granddaughter taught me a card game I still don't understand. Having a cup of tea now and fancied a little chat. How are you?",
        "hey! so I finally saw my favourite band live last night after waiting like 8 years, and they played the song from my wedding as the encore. I cried in front of 5000 people and I regret nothing. voice is totally gone today lol. anyway, hope you're having a good one, what've you been up to?",
        "Good evening. I just wanted to drop by and say thank you. A few weeks ago I was really stressed about my mother moving into a care home, and talking it through here helped more than I expected. She's settled in now and already made friends with the lady next door. Nothing to ask today, just gratitude.",
        "Hi! At 52 I finally learned to swim. I did my first full length of the pool this morning without grabbing the side, and the lifeguard gave me a thumbs up. My kids think it's hilarious how proud I am. No question or anything, I'm just grinning like an idiot and wanted to say hello. How's your day?",
        "morning! my sister's visiting from Australia for the first time in 4 years and we stayed up till 3am talking like teenagers. now i'm at work running on pure caffeine and happiness. no real reason for messaging, just in a really good mood and wanted to share it. how are you doing?",
        'Hello, good day to you. I am from Brazil and I am practising my English by talking with you. Today I went to the beach with my cousins, the water was very cold but we played volleyball for two hours. I hope my English is not so bad! How was your day?',
        "hey there, it's our 10th wedding anniversary today! nothing fancy, just takeaway curry and the same cheesy film we watched on our first date, the kids are at grandma's. I'm sitting here waiting for the food and feeling lucky, so thought I'd say hi. hope you're well!",
        "Evening! Just got back from a fishing trip with my dad, the first one in years. We caught absolutely nothing, got rained on twice and his old thermos leaked, but it was honestly one of the best days I've had in ages. Feeling very content. How's life on your side of the screen?",
    ],
}

#: two prompts are "of about the same length" when the longer is at most this many times the shorter
LENGTH_RATIO = 1.5


def matched_auc(neg: np.ndarray, neg_len: np.ndarray, pos: np.ndarray, pos_len: np.ndarray) -> float:
    """``auc`` over the (positive, negative) pairs of about the same length (``LENGTH_RATIO``): what
    a router knows about the task types beyond the prompts' lengths."""
    close = np.abs(np.log(pos_len)[:, None] - np.log(neg_len)[None, :]) <= np.log(LENGTH_RATIO)
    diff = pos[:, None] - neg[None, :]
    wins = (diff > 0) + 0.5 * (diff == 0)
    return float((wins * close).sum() / close.sum())


def probe(router) -> dict:
    """The probe's figures for one router (anything with ``score(prompts)``)."""
    types = [*HIGH, *LOW]
    prompts = {t: PROMPTS[t] + LENGTH_PROMPTS[t] for t in types}
    flat = [p for t in types for p in prompts[t]]
    scores = np.asarray(router.score(flat), dtype=np.float64)
    lengths = np.array([len(p) for p in flat], dtype=np.float64)
    bounds = np.cumsum([0] + [len(prompts[t]) for t in types])
    span = {t: slice(a, b) for t, a, b in zip(types, bounds[:-1], bounds[1:])}
    first = {t: slice(span[t].start, span[t].start + len(PROMPTS[t])) for t in types}  # the first half
    pct = 100.0 * (ranks(scores) - 0.5) / len(scores)  # percentile among all probe prompts

    def group(t_list, part):
        return np.concatenate([scores[part[t]] for t in t_list]), np.concatenate([lengths[part[t]] for t in t_list])

    low, low_len = group(LOW, span)
    high, high_len = group(HIGH, span)
    sealed = {t: np.asarray(router.score(SEALED_PROMPTS[t]), dtype=np.float64) for t in types}
    sealed_len = {t: np.array([len(p) for p in SEALED_PROMPTS[t]], dtype=np.float64) for t in types}
    s_low, s_high = (np.concatenate([sealed[t] for t in g]) for g in (LOW, HIGH))
    s_low_len, s_high_len = (np.concatenate([sealed_len[t] for t in g]) for g in (LOW, HIGH))
    threshold = getattr(router, "default_threshold", None)
    try:
        t_default = float(threshold()) if threshold else None
    except NotImplementedError:  # a peer's scores have no threshold on this project's scale
        t_default = None
    return {
        "threshold": t_default,
        "auc_high_vs_low": auc(group(LOW, first)[0], group(HIGH, first)[0]),
        "auc_all": auc(low, high),
        "auc_length_matched": matched_auc(low, low_len, high, high_len),
        "auc_sealed": auc(s_low, s_high),
        "auc_sealed_length_matched": matched_auc(s_low, s_low_len, s_high, s_high_len),
        "types": {
            t: {
                "group": "high" if t in HIGH else "low",
                "n": int(span[t].stop - span[t].start),
                "auc_vs_low": auc(group(LOW, first)[0], scores[first[t]]) if t in HIGH else None,
                "matched_auc_vs_low": matched_auc(low, low_len, scores[span[t]], lengths[span[t]]) if t in HIGH else None,
                "sealed_auc_vs_low": auc(s_low, sealed[t]) if t in HIGH else None,
                "mean_percentile": float(pct[span[t]].mean()),
                "to_strong": float(np.mean(scores[span[t]] >= t_default)) if t_default is not None else None,
            }
            for t in types
        },
    }


def main() -> None:
    from routellm_core import load_router

    import peers

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--routers", nargs="+", default=["default", "mf"])
    parser.add_argument("--peer", action="append", metavar="FILE",
                        help="a peer's scores (benchmarks/peer_scores.py), shown beside the routers")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args()
    scorers = {name: load_router(name) for name in args.routers}
    scorers.update(peers.scorers(args.peer))
    results = {}
    for name, scorer in scorers.items():
        res = results[name] = probe(scorer)
        thr = f"threshold {res['threshold']:.3f}" if res["threshold"] is not None else "no threshold"
        print(f"{name}: AUC HIGH over LOW {res['auc_high_vs_low']:.3f} (first half), {res['auc_all']:.3f} (all), "
              f"{res['auc_length_matched']:.3f} (pairs of about the same length); third set {res['auc_sealed']:.3f} "
              f"(matched {res['auc_sealed_length_matched']:.3f}); {thr}")
        print(f"  {'type':<11} {'group':<5} {'AUC vs LOW':>10} {'matched':>8} {'third':>6} {'mean pct':>9} {'->strong':>9}")
        for t, r in res["types"].items():
            a = f"{r['auc_vs_low']:.3f}" if r["auc_vs_low"] is not None else "-"
            m = f"{r['matched_auc_vs_low']:.3f}" if r["matched_auc_vs_low"] is not None else "-"
            third = f"{r['sealed_auc_vs_low']:.3f}" if r["sealed_auc_vs_low"] is not None else "-"
            strong = f"{r['to_strong']:9.0%}" if r["to_strong"] is not None else f"{'-':>9}"
            print(f"  {t:<11} {r['group']:<5} {a:>10} {m:>8} {third:>6} {r['mean_percentile']:9.1f} {strong}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
