"""Campaign teaching: a campaign's short explainer or quiz, run by the bot as a dialogue (seed 004)."""
