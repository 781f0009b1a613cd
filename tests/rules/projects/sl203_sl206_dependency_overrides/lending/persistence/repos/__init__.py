from lending.persistence.repos.loans import LoanRepo, MemberRepo

__all__ = ["LoanRepo", "MemberRepo"]
