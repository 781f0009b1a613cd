from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from typing_extensions import Annotated as AnnotatedX

from app.database import session_dependency
from app.services import (
    ArchiveReader,
    AuditTrail,
    ExportJob,
    InvoiceReader,
    LedgerReader,
    archive_reader_provider,
)

LedgerDep = Annotated[LedgerReader, Depends()]
AuditDep = AnnotatedX[AuditTrail, Depends()]
ExportDep = Annotated[ExportJob, Depends()]
InvoiceDep = Annotated[InvoiceReader, Depends()]
ArchiveDep = Annotated[ArchiveReader, Depends(archive_reader_provider)]
SessionDep = Annotated[Session, Depends(session_dependency)]
