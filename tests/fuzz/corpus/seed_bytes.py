b = b'\xff' B"\n" bR'\\'
