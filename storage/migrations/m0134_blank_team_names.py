"""Teams created before names were checked (issue 13) may have a blank name, which makes an
empty button and breaks /export for every admin: such a team is named after its id."""

SQL = """
UPDATE teams SET name = 'Team ' || id WHERE trim(name) = ''
"""
