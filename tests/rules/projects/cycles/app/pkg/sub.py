from app.pkg import Thing2 as Thing
from app.pkg import *
