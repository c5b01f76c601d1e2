"""Outpost: attendance, diary and leave bot for teams stationed in the field."""
