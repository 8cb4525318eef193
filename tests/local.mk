# tests area (filled in)
