"""Use cases: what a handler asks for. They call rules and repositories, never Telegram."""
