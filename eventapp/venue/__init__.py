"""Venue mode: the app served over https on the laptop's address in the venue's network,
so volunteers' phones may open the camera and install the door page for offline use."""
