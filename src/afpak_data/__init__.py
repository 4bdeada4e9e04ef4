"""afpak-data: Pakistan's relations with the Taliban government of Afghanistan, as typed tables."""
