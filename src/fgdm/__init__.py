"""fgdm: family networks and Family Group Decision Making for children's social care."""
