// netc's version, printed by `netc --version` and written into generated files.

public let netcVersion = "0.1.0"
