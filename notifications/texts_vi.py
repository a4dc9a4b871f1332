"""Every citizen-facing string the notifications send, in Vietnamese (one place per language)."""

from __future__ import annotations

# Placeholders: {code} receipt code, {procedure} procedure name, dates as dd/mm/yyyy.

HEADER = "Hồ sơ {code}\nThủ tục: {procedure}"
UNKNOWN_PROCEDURE = "(chưa rõ tên thủ tục)"

STATUS_RECEIVED = (
    "Hồ sơ của ông/bà đã được tiếp nhận ngày {received}.\n"
    "Ngày hẹn trả kết quả: {due}.\n"
    "Tôi sẽ báo ông/bà khi hồ sơ có kết quả hoặc cần bổ sung."
)
STATUS_RECEIVED_NO_DUE = (
    "Hồ sơ của ông/bà đã được tiếp nhận ngày {received}.\n"
    "Tôi sẽ báo ông/bà khi hồ sơ có kết quả hoặc cần bổ sung."
)
STATUS_SUPPLEMENT = (
    "Hồ sơ của ông/bà cần bổ sung.\n"
    "Nội dung cần bổ sung: {missing}\n"
    "Ông/Bà vui lòng bổ sung tại {place} hoặc trên Cổng dịch vụ công nếu nộp trực tuyến."
)
STATUS_SUPPLEMENT_NO_DETAIL = (
    "Hồ sơ của ông/bà cần bổ sung.\nÔng/Bà vui lòng liên hệ {contact} để biết giấy tờ cần bổ sung."
)
STATUS_FINANCIAL = (
    "Hồ sơ của ông/bà đang chờ thực hiện nghĩa vụ tài chính (nộp thuế, phí, lệ phí).\n"
    "{detail}"
    "Sau khi ông/bà nộp xong, hồ sơ sẽ được tiếp tục xử lý."
)
STATUS_FINANCIAL_DETAIL = "Chi tiết: {note}\n"
STATUS_PAUSED = (
    "Hồ sơ của ông/bà tạm dừng xử lý.\n"
    "{reason}"
    "Thời hạn giải quyết tạm dừng trong thời gian này; tôi sẽ báo ông/bà khi hồ sơ được xử lý "
    "lại. Cần hỏi thêm, ông/bà vui lòng liên hệ {contact}."
)
STATUS_PAUSED_REASON = "Lý do: {reason}\n"
# The clock stops while the citizen owes the next step (handlers.dossiers.clock).
CLOCK_STOPPED_PAUSE = (
    "Thời hạn giải quyết tạm dừng cho đến khi ông/bà {until}; phần thời gian còn lại được tính "
    "tiếp sau đó."
)
CLOCK_UNTIL = {
    "supplement_required": "nộp đủ giấy tờ bổ sung",
    "financial_obligation": "nộp xong",
}
CLOCK_STOPPED_RESTART = (
    "Thời hạn giải quyết tạm dừng và được tính lại từ đầu khi ông/bà nộp đủ giấy tờ."
)
STATUS_RESUMED = "Hồ sơ của ông/bà được tiếp tục xử lý từ ngày {at}."
STATUS_RESUMED_DUE = "Ngày hẹn trả kết quả: {due} ({how})."
RESUMED_PAUSE = "đã cộng thời gian tạm dừng"
RESUMED_RESTART = "tính lại từ khi hồ sơ đầy đủ"
STATUS_RESULT_READY = (
    "Hồ sơ của ông/bà đã có kết quả.\n"
    "Nơi nhận: {place}.\n"
    "Thời gian: từ {since}, trong giờ hành chính các ngày làm việc.\n"
    "Ông/Bà vui lòng mang theo giấy tiếp nhận hồ sơ và giấy tờ tùy thân."
)
STATUS_REJECTED = (
    "Rất tiếc, hồ sơ của ông/bà không được giải quyết.\n"
    "Lý do: {reason}\n"
    "Ông/Bà cần hỏi thêm, vui lòng liên hệ {contact}."
)
STATUS_REJECTED_NO_REASON = (
    "Rất tiếc, hồ sơ của ông/bà không được giải quyết.\n"
    "Ông/Bà vui lòng liên hệ {contact} để biết lý do và hướng xử lý."
)
STATUS_RETURNED = (
    "Hồ sơ của ông/bà đã được trả kết quả ngày {at}.\n"
    "Cảm ơn ông/bà đã sử dụng dịch vụ của {agency}."
)

DUE_REMINDER = (
    "Nhắc hẹn: hồ sơ của ông/bà có ngày hẹn trả kết quả là {due}.\n"
    "Tôi sẽ báo ngay khi hồ sơ có kết quả; ông/bà chưa cần đến trước khi nhận được thông báo."
)

COLLECT_REMINDER = (
    "Kết quả hồ sơ của ông/bà đã sẵn sàng từ ngày {since} nhưng chưa được nhận.\n"
    "Ông/Bà vui lòng đến nhận tại {place}, trong giờ hành chính các ngày làm việc."
)

# The apology: addressed to the citizen; titled as the official form "Phiếu xin lỗi và hẹn lại
# ngày trả kết quả" only when the agency recorded both the reason and the new date.
ADDRESSEE = "ông/bà {name}"
ADDRESSEE_NO_NAME = "ông/bà"
APOLOGY_TO = "Kính gửi {addressee},"
APOLOGY_TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
LETTER_FACTS = (
    "Ngày {received}, {agency} tiếp nhận hồ sơ {code} của ông/bà, đề nghị giải quyết thủ tục "
    "{procedure}, hẹn trả kết quả ngày {promised}."
)
LETTER_LATE = "Đến nay, hồ sơ chưa được giải quyết đúng hẹn."
LETTER_AHEAD = "Hồ sơ không thể giải quyết kịp ngày hẹn trên."
LETTER_REASON = "Lý do: {reason}"
LETTER_SORRY = (
    "Sự chậm trễ này gây phiền hà cho ông/bà. {agency} xin lỗi ông/bà và hẹn trả kết quả vào "
    "ngày {new_due}. Kính mong ông/bà thông cảm."
)
APOLOGY_FACTS = (
    "Hồ sơ {code} (thủ tục {procedure}), tiếp nhận ngày {received}, hẹn trả kết quả ngày "
    "{promised}, đến nay chưa có kết quả."
)
APOLOGY_SORRY = "{agency} thành thật xin lỗi ông/bà về sự chậm trễ này (theo {legal})."
APOLOGY_STATUS = "Trạng thái hiện nay: {label}."
APOLOGY_LETTER_FOLLOWS = (
    "Cơ quan giải quyết sẽ gửi ông/bà phiếu xin lỗi và hẹn lại ngày trả kết quả, ghi rõ lý do "
    "và ngày hẹn mới."
)
APOLOGY_NEW_DATE_NO_REASON = (
    "Cơ quan đã hẹn lại ngày trả kết quả: {new_due}. Phiếu xin lỗi ghi rõ lý do sẽ được gửi "
    "ông/bà sau."
)
APOLOGY_CONTACT = "Cần hỗ trợ, ông/bà vui lòng liên hệ: {contact}."
APOLOGY_LEGAL = "(Thực hiện theo {legal}.)"

# When the agency records a new date (often after the apology above said it would).
NEW_DUE_DATE = (
    "Cơ quan giải quyết đã hẹn lại ngày trả kết quả hồ sơ của ông/bà: {new_due}.\n"
    "{reason}"
    "Tôi sẽ báo ông/bà khi hồ sơ có kết quả. Mọi thắc mắc, xin liên hệ: {contact}."
)
NEW_DUE_REASON = "Lý do: {reason}\n"

SATISFACTION_QUESTION = (
    "Ông/Bà có hài lòng với việc giải quyết hồ sơ {code} không? "
    "Xin ông/bà chọn một mức bên dưới, ý kiến của ông/bà giúp chúng tôi phục vụ tốt hơn."
)
RATING_LABELS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}
RATING_THANKS = "Cảm ơn ông/bà đã đánh giá. Ý kiến của ông/bà đã được ghi nhận."
RATING_THANKS_UNSATISFIED = (
    "Cảm ơn ông/bà đã cho biết. Chúng tôi rất tiếc và sẽ xem xét để cải thiện; "
    "ông/bà có thể liên hệ {contact} để phản ánh cụ thể."
)
RATING_UNKNOWN = "Xin lỗi ông/bà, tôi không ghi nhận được đánh giá này. Ông/Bà vui lòng thử lại."
