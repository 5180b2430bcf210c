"""The bot: understanding (kefu.bot.nlu) first; dialogue builds on it."""
