from casekit.cli.entry import main

main()
