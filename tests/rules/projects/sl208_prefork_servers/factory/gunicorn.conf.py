wsgi_app = "blog.main:create_app()"
preload_app = True
workers = 4
