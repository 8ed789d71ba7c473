"""Pure core of reporting: no FastStream, Redis or SQLAlchemy imports here."""
