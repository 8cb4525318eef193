# bench area (filled in)
