"""Pure core (layer 2): conversion, validation and analysis of order data. No I/O, no clock."""
