"""A recall made while the bot is not running (the CLI without a token, Telegram down) is
told to the member once the bot runs (issue 13): when the member was told, or found
unreachable; NULL means still to tell."""

SQL = """
ALTER TABLE recalls ADD COLUMN member_told_at REAL;
UPDATE recalls SET member_told_at = recalled_at
"""
