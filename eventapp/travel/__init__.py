"""Travel support for speakers and experts: requests and decisions against the event's
budget, the traveller's form, bookings, itineraries, the arrivals board, the rooming
list and the cost summary."""
