//! Reports: charts drawn with plotters (SVG for the UI, embedded in PDFs) and
//! the PDF design and commissioning reports, with an embedded font so output
//! is identical on every machine.
