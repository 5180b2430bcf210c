"""kefu's built-in e-commerce intents, Chinese and English, with kefu's own seed examples.

These examples were written for kefu (not taken from any external data set, and no benchmark);
each shop adds its own intents and examples on top. `default_model()` trains once per process
(well under a second) and is what the bot uses until a workspace teaches it more.
"""

from __future__ import annotations

from functools import lru_cache

from kefu.bot.nlu.intent import IntentModel


def _ex(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n") if line.strip()]


# intent → {"zh": [...], "en": [...]}; keep labels stable: flows and routing key on them.
BUILTIN_INTENTS: dict[str, dict[str, list[str]]] = {
    "where_is_my_order": {
        "zh": _ex("""
            我的快递到哪了
            包裹现在到哪儿了
            查一下物流
            我的订单到哪里了
            物流信息怎么一直不更新
            快递几天能到
            帮我查查快递
            我买的东西什么时候到
            快递显示派送中但是没收到
            单号查不到物流
            东西还在路上吗
            能看下我的物流进度吗
            怎么还没收到货
            快递停在一个地方好几天了
            订单显示已发货，现在到哪了
            查物流
            我的货到哪里了啊
            什么时候能送到
        """),
        "en": _ex("""
            where is my order
            where's my package
            track my order
            can you check the delivery status
            my parcel hasn't arrived yet
            when will my order arrive
            what's the tracking status of my order
            has my package shipped and where is it now
            the tracking hasn't updated for days
            I still haven't received my items
            order status please
            how long until my delivery gets here
            it says out for delivery but nothing came
            check the shipment for me
            where is my stuff
            estimated delivery date for my order
        """),
    },
    "urge_shipping": {
        "zh": _ex("""
            怎么还不发货
            能不能快点发货
            催一下发货
            付款三天了还没发货
            什么时候发货啊
            麻烦尽快发货
            我急用，今天能发吗
            下单好久了还没发出
            帮我催催仓库
            能加急发货吗
            说好48小时发货的呢
            预售什么时候发货
            还不发货我就退款了
            赶紧给我发货
            今天能发出去吗
            一直显示待发货
        """),
        "en": _ex("""
            why hasn't my order shipped yet
            please ship my order faster
            can you hurry up the shipping
            I paid three days ago and it's still not shipped
            when will you ship it
            I need it urgently, can you send it today
            it still says awaiting shipment
            please expedite my order
            can you rush the dispatch
            you promised to ship within 48 hours
            when does the presale ship
            send it out as soon as possible
            still not dispatched, what's going on
            can you push the warehouse to ship
            ship it today please
        """),
    },
    "change_address": {
        "zh": _ex("""
            我想改一下收货地址
            地址填错了
            能修改地址吗
            换个收货地址
            收件人电话写错了
            帮我改成公司地址
            地址写错了怎么办
            我搬家了，能改地址吗
            能不能改成送到另一个城市
            修改收货信息
            门牌号写错了
            还没发货的话帮我改下地址
            收货人名字要改
            能送到别的地方吗
            改地址
        """),
        "en": _ex("""
            I need to change my shipping address
            I entered the wrong address
            can I update the delivery address
            please send it to a different address
            wrong phone number on the order
            change the recipient name
            I moved, can you update my address
            can you ship it to my office instead
            edit my address before it ships
            the apartment number is wrong
            update delivery details
            can I redirect the parcel
            fix the address on my order
            change address
            deliver to another city please
        """),
    },
    "cancel_order": {
        "zh": _ex("""
            我要取消订单
            不想要了，帮我取消
            订单能取消吗
            拍错了，取消一下
            怎么取消订单
            刚下的单想取消
            取消这个订单
            我不要了
            下错单了
            能撤销订单吗
            重复下单了，取消一个
            还没发货能取消吗
            帮我把订单关掉
            不买了
            取消订单
        """),
        "en": _ex("""
            I want to cancel my order
            please cancel it
            can I cancel the order
            I ordered by mistake
            how do I cancel a purchase
            cancel the order I just placed
            I don't want it anymore
            I placed a duplicate order, cancel one
            can you void my order
            stop my order before it ships
            I changed my mind, cancel please
            cancel order
            undo my purchase
            please close this order
            is it too late to cancel
        """),
    },
    "refund_return": {
        "zh": _ex("""
            我要退货
            我要退款
            能退吗
            质量有问题要退
            尺码不合适想换货
            七天无理由退货怎么操作
            收到的东西坏了，退钱
            怎么申请售后
            不喜欢，能退吗
            我想换一个颜色
            申请仅退款
            退货运费谁出
            东西和描述不符，要退款
            发错货了
            少发了一件
            退换货流程是什么
        """),
        "en": _ex("""
            I want to return this
            I want a refund
            can I get my money back
            the item is defective, I want to return it
            the size doesn't fit, can I exchange it
            how do I start a return
            it arrived damaged
            I don't like it, can I send it back
            I want to exchange for another color
            who pays for return shipping
            not as described, refund please
            you sent the wrong item
            an item is missing from my package
            what is your return policy
            request a refund
            I'd like to return my order
        """),
    },
    "return_progress": {
        "zh": _ex("""
            我的退款到哪了
            退款什么时候到账
            退货寄回去了怎么还没退款
            售后处理到哪一步了
            退款进度
            查一下我的退款
            退款申请审核了吗
            退回的货你们收到了吗
            钱什么时候退给我
            换货什么时候寄出
            退款显示成功但没到账
            退货都一周了还没处理
            我的售后单怎么样了
            退款怎么这么慢
            退款到账了吗
        """),
        "en": _ex("""
            where is my refund
            when will I get my refund
            I sent the item back but got no refund
            what's the status of my return
            refund status please
            has my return been received
            is my refund approved yet
            it says refunded but the money isn't in my account
            when will my exchange ship
            my return has been pending for a week
            how long does the refund take
            track my refund
            did you process my return
            still waiting for my money back
            any update on my refund
        """),
    },
    "price_protection": {
        "zh": _ex("""
            买完就降价了
            刚买就便宜了，能退差价吗
            价保怎么申请
            降价了能补差价吗
            我买贵了
            昨天买的今天降了50
            双十一前买的现在更便宜了
            能保价吗
            现在的价格比我买的时候低
            退差价
            你们支持价保吗
            别人买比我便宜好多
            活动价比我付的少
            申请价格保护
            为什么我买完就降价
        """),
        "en": _ex("""
            the price dropped right after I bought it
            can I get the price difference back
            do you offer price protection
            it's cheaper now than when I ordered
            I paid more than the current price
            price adjustment request
            the sale started a day after my purchase
            refund the difference please
            you lowered the price after I bought
            can you match the new lower price
            I overpaid, the price went down
            price protection claim
            is there a price guarantee
            it's on sale now, can I get the discount
            the item is 20 dollars cheaper today
        """),
    },
    "invoice": {
        "zh": _ex("""
            能开发票吗
            怎么开发票
            我要开专票
            发票抬头写错了
            电子发票在哪里下载
            发票什么时候开
            可以开公司抬头的发票吗
            补开发票
            发票能寄给我吗
            我要增值税发票
            发票没收到
            开个发票
            税号怎么填
            发票重开
            给我开张发票
        """),
        "en": _ex("""
            can I get an invoice
            how do I get a receipt
            I need a VAT invoice
            the invoice has the wrong company name
            where can I download the invoice
            send me the invoice please
            can you issue an invoice for my company
            I didn't receive my invoice
            I need a tax invoice
            reissue the invoice
            invoice for my order
            add my tax number to the invoice
            can I have a receipt for this purchase
            billing document please
            when will the invoice be issued
        """),
    },
    "payment_failed": {
        "zh": _ex("""
            付款失败了
            付不了款
            支付不成功
            钱扣了但订单没付款成功
            银行卡支付不了
            花呗用不了
            微信支付一直失败
            显示支付异常
            重复扣款了
            支付的时候卡住了
            付款页面打不开
            扣了两次钱
            为什么不能付款
            付款总是提示错误
            用优惠券后付不了款
        """),
        "en": _ex("""
            my payment failed
            I can't pay
            the payment didn't go through
            I was charged but the order says unpaid
            my card was declined
            checkout keeps failing
            I was charged twice
            payment error at checkout
            why can't I pay for my order
            the payment page won't load
            paypal isn't working
            transaction failed
            money was taken but no order
            coupon applied and now payment fails
            double charged on my card
        """),
    },
    "product_question": {
        "zh": _ex("""
            这个有货吗
            尺码怎么选
            这款是什么材质的
            有没有红色的
            这个能机洗吗
            保修多久
            是正品吗
            和另一款有什么区别
            适合几岁的孩子
            多大的尺寸
            有现货吗
            这个手机支持5G吗
            保质期多长
            产地是哪里
            身高170穿什么码
            什么时候补货
        """),
        "en": _ex("""
            is this in stock
            what size should I get
            what material is it made of
            does it come in red
            is it machine washable
            how long is the warranty
            is this authentic
            what's the difference between these two models
            what are the dimensions
            is it suitable for kids
            does this phone support 5G
            when will it be back in stock
            what's the shelf life
            where is it made
            I'm 5'10, which size fits me
        """),
    },
    "complaint": {
        "zh": _ex("""
            我要投诉
            你们服务太差了
            客服态度恶劣
            快递员态度很差
            我要给差评
            太失望了
            这是什么垃圾质量
            你们就是骗子
            我要去消协投诉
            等了这么久没人管
            再不处理我就曝光你们
            每次都这样，太离谱了
            快递员把包裹乱扔
            卖假货
            你们这是欺诈
        """),
        "en": _ex("""
            I want to file a complaint
            your service is terrible
            the agent was rude to me
            the courier was very rude
            I'm going to leave a bad review
            this is unacceptable
            worst shopping experience ever
            you are scammers
            I'll report you to consumer protection
            nobody is handling my problem
            I'm extremely disappointed
            this is a fake product
            this is fraud
            the delivery guy threw my package
            I've waited forever and no one cares
        """),
    },
    "talk_to_human": {
        "zh": _ex("""
            转人工
            人工客服
            我要找人工
            找真人
            不要机器人
            让真人来回答
            有没有人工
            接人工
            你是机器人吗，我要人工
            客服在吗
            帮我转接客服
            我要和客服说话
            叫个人来
            人工服务
            跟你说不清楚，换人
        """),
        "en": _ex("""
            talk to a human
            human please
            I want a real person
            connect me to an agent
            live agent
            can I speak to customer service
            stop the bot, get me a person
            transfer me to support
            is there a human I can talk to
            agent
            representative please
            let me chat with a real agent
            I need to talk to someone
            you're not helping, get me a person
            operator
        """),
    },
    "ask_for_manager": {
        "zh": _ex("""
            叫你们经理来
            我要找你们主管
            找你们负责人
            让你们领导跟我说
            我要找店长
            把你们老板叫来
            找客服主管
            你处理不了就换你们经理
            我要跟管事的说
            给我你们经理的电话
            升级处理，找主管
            我要找上级
            你们负责人是谁
            请经理联系我
            叫你们领导出来
        """),
        "en": _ex("""
            I want to speak to your manager
            get me a supervisor
            let me talk to someone in charge
            escalate this to your manager
            I need to speak with the store owner
            put your boss on
            who is your supervisor
            give me your manager's number
            I want this escalated
            can a manager call me
            supervisor please
            I demand to talk to management
            your manager needs to hear this
            connect me with a team lead
            I want to speak to someone more senior
        """),
    },
    "greeting": {
        "zh": _ex("""
            你好
            在吗
            您好
            哈喽
            嗨
            早上好
            晚上好
            有人吗
            你好呀
            亲在吗
            hello
            喂
            下午好
            亲
            老板在吗
        """),
        "en": _ex("""
            hi
            hello
            hey there
            good morning
            good evening
            anyone there
            hello?
            hi there
            hey
            good afternoon
            yo
            greetings
            hiya
            morning
            is anyone here
        """),
    },
    "thanks": {
        "zh": _ex("""
            谢谢
            好的谢谢
            多谢
            谢谢你
            辛苦了
            明白了，谢谢
            好的
            没问题了
            感谢
            太好了谢谢
            ok谢谢
            收到，谢谢
            麻烦你了
            解决了，谢谢
            好嘞
        """),
        "en": _ex("""
            thanks
            thank you
            thanks a lot
            great, thanks
            ok thank you
            that's all, thanks
            appreciate it
            perfect, thank you
            got it thanks
            cheers
            many thanks
            that solved it
            ok
            thank you so much
            awesome
        """),
    },
}


# Messages a shop bot should not try to answer: learnt as a background class, so that "what is
# the capital of France" does not land on the nearest shop intent. kefu's own examples too.
OUT_OF_SCOPE: dict[str, list[str]] = {
    "zh": _ex("""
        今天天气怎么样
        给我讲个笑话
        你叫什么名字
        帮我写一首诗
        1加1等于几
        中国的首都是哪里
        推荐一部好看的电影
        我想听一首歌
        明天会下雨吗
        你喜欢吃什么
        帮我写个python程序
        股票明天会涨吗
        今天星期几
        陪我聊聊天
        世界上最高的山是哪座
        帮我翻译一句话
        附近有什么好吃的
        怎么减肥
        你是男的还是女的
        讲个故事吧
    """),
    "en": _ex("""
        what's the weather like today
        tell me a joke
        what is your name
        write me a poem
        what is 2 plus 2
        what is the capital of Japan
        recommend a good movie
        play some music
        will it rain tomorrow
        who won the football game last night
        write a python script for me
        should I buy bitcoin
        what day is it today
        let's just chat
        what is the tallest mountain in the world
        translate this sentence into French
        how do I lose weight
        are you a boy or a girl
        tell me a story
        what is the meaning of life
    """),
}
OOS_LABEL = "oos"


def examples(languages: tuple[str, ...] = ("zh", "en")) -> list[tuple[str, str]]:
    """(text, intent) pairs of the built-in intents."""
    return [
        (text, intent)
        for intent, by_lang in BUILTIN_INTENTS.items()
        for lang in languages
        for text in by_lang.get(lang, [])
    ]


@lru_cache(maxsize=1)
def default_model() -> IntentModel:
    """The built-in model, trained once per process (the threshold by cross-validation)."""
    background = [(t, OOS_LABEL) for lang in ("zh", "en") for t in OUT_OF_SCOPE[lang]]
    return IntentModel.train(examples() + background, oos_label=OOS_LABEL)
