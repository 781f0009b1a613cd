try:
    pass
except* ValueError as eg:
    pass
