from camroll.cli import main

main()
