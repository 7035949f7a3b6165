"""Gap analysis of the network around the child (networkx): plain data in, findings out."""
