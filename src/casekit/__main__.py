from casekit.cli.app import main

main()
