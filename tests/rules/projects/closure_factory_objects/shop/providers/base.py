# The interface request code sees: the factory's return annotation names it,
# so every subclass's override may be the object a view calls.
from abc import ABC, abstractmethod


class SearchProvider(ABC):
    @abstractmethod
    def search(self, text):
        ...

    def export(self, path):
        ...
