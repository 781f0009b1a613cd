from flask import Blueprint

orders = Blueprint("orders", __name__)
