# examples area (filled in)
