"""Renderings of computed reports: aligned text, XLSX, PNG charts. Pure of Telegram and SQL."""
