"""Generate the demo's bundled dataset of synthetic support tickets (deterministic).

Run from the repo root:  python3 tools/make_tickets.py
Writes taipan-cli/src/main/resources/dev/taipan/cli/demo/tickets.jsonl. The tickets are
invented from templates: realistic in shape, not real customer data.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path("taipan-cli/src/main/resources/dev/taipan/cli/demo/tickets.jsonl")

PRODUCTS = ["Aurora X2 router", "Nimbus 15 laptop", "Pebble smartwatch", "Helix wireless earbuds",
            "Quanta 4K monitor", "Stratus backup drive", "Vega mechanical keyboard", "Orbit webcam"]
NAMES = ["Ana", "Ben", "Chen", "Dara", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena"]

TEMPLATES = {
    "billing": [
        "I was charged twice for order {order} ({product}). Please refund the duplicate payment.",
        "My invoice for {order} shows the wrong amount for the {product}. Can you correct it?",
        "Why did my card get billed again this month for the {product}? Order {order}.",
        "The discount code was not applied to order {order}; I paid full price for the {product}.",
    ],
    "shipping": [
        "Order {order} with my {product} has not arrived yet, the tracking has not moved in a week.",
        "The courier says order {order} was delivered but there is no {product} at my door.",
        "Can you ship the {product} from order {order} to a different address? I moved.",
        "My {product} (order {order}) is stuck in customs. When will it be delivered?",
    ],
    "technical": [
        "My {product} keeps disconnecting every few minutes since the last firmware update.",
        "The {product} will not turn on anymore, the light blinks red. Bought it with order {order}.",
        "After setup the {product} shows error code E42 and freezes. What should I do?",
        "The {product} overheats and shuts down after an hour of use.",
    ],
    "account": [
        "I cannot log in to my account, the password reset email never arrives.",
        "Please change the email address on my account; I no longer use the old one.",
        "My account was locked after too many attempts. I need access to see order {order}.",
        "How do I delete my account and all data linked to it? I bought a {product} once.",
    ],
    "returns": [
        "I want to return the {product} from order {order}, it does not fit my needs.",
        "The {product} arrived damaged (order {order}). How do I send it back for a replacement?",
        "Can I exchange the {product} from order {order} for a different model?",
        "I returned the {product} two weeks ago (order {order}) and still have no refund label confirmation.",
    ],
}
URGENT = [" This is urgent, I need it fixed today.", " Please help ASAP.", ""]


def main() -> None:
    rng = random.Random(20261123)
    rows = []
    categories = sorted(TEMPLATES)
    for i in range(300):
        category = categories[i % len(categories)]
        template = rng.choice(TEMPLATES[category])
        product = rng.choice(PRODUCTS)
        order = f"ORD-{rng.randint(10000, 99999)}"
        urgent = rng.choice(URGENT)
        text = f"Hi, this is {rng.choice(NAMES)}. " + template.format(product=product, order=order) + urgent
        rows.append({
            "id": i + 1,
            "ticket": text,
            "category": category,
            "priority": "high" if urgent else "normal",
            "product": product,
            "order_id": order if "{order}" in template else "",
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} tickets to {OUT}")


if __name__ == "__main__":
    main()
