"""The knowledge base: FAQ entries and articles, search, answers, agent assist."""
