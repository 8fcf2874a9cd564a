// netc's command line: dispatches to one small struct per subcommand (Commands/).

import Foundation

exit(runCommandLine(Array(CommandLine.arguments.dropFirst()), console: Console()))
