from valetkey.cli.main import app

app()
