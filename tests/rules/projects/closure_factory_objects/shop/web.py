# A Flask application factory keeps the provider the factory made; its views
# call the provider's methods on every request.
from flask import Flask, jsonify, request

from .providers.factory import ProviderFactory


def create_app():
    app = Flask(__name__)
    try:
        provider = ProviderFactory.create("pg")
    except KeyError:
        provider = None

    @app.route("/search")
    def search():
        if provider is None:
            return jsonify([])
        return jsonify(provider.search(request.args["q"]))

    return app
