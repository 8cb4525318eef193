# man area (filled in)
