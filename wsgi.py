from bwm import create_app

app = create_app(serving=True)
