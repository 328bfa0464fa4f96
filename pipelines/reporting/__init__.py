"""Reports of an audit run: the management report (HTML and PDF), extracts, ROPA."""
