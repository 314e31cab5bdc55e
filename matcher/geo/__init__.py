"""Geography: division tables, name/code resolution, distance, address parsing, zones, travel times."""
