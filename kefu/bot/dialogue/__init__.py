"""The bot's dialogue: it answers first on chat channels, fills slots, acts on orders, hands over.

- `state`: the per-channel switch (and hours) and the per-conversation dialogue row;
- `engine`: one customer message → one bot turn (FAQ, candidates, order flows, handoff);
- `orders`: the order flows, always acting as the verified customer (their own orders only);
- `handoff`: the summary note for the agent and the call into routing;
- `reactions`: the hook — a reaction to `message.created`, in the customer's transaction.
"""
