from app.pkg.sub import Thing
from app.pkg import Thing as Thing2
