"""Words-and-pictures stories for children: pictograms and the pictures families upload."""
