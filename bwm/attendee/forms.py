from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class BookingForm(FlaskForm):
    start = HiddenField()
    timezone = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=2000)])


class RescheduleForm(FlaskForm):
    start = HiddenField(validators=[DataRequired()])
