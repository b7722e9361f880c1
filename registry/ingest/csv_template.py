"""stub"""
def import_template(inputs, ctx, acc): raise NotImplementedError
